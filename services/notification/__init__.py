"""Notification service: e-mail about pending approvals, approvals and rejections."""
