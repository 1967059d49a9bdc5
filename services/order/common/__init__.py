"""What every part of the order service needs and none owns: the timeline each document keeps,
the refusals several parts make, and the table a part adds to the service. It imports no part."""
