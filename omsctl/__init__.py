"""omsctl: the operator's and back office's command line for OMS.

A thin client of the published contracts: it sends commands to ``oms.commands`` as a caller
(``backoffice`` or ``operator``), waits for the answer on its own reply queue, reads the
services' HTTP queries and, for operators, the dead-letter queues. Every command a service
takes is available (``omsctl send <routing key>``), derived from the services' handler tables,
so commands added later need no code here.
"""
