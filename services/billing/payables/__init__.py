"""The payables part of billing: supplier bills matched three ways (purchase order, receipt,
bill), held or approved, and payments to vendors."""
