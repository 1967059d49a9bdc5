"""Pure, and shared by the parts: the timeline each document keeps, refusals several parts make."""
