"""The back office: server-rendered pages where people sign in, decide approvals and work on
orders, acting only through the services' public commands (as the RabbitMQ user ``backoffice``)."""
