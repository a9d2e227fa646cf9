# The change that plan-change.json shows: a reviewer is asked to approve
# opening the database to the workers and letting the cache send HTTPS out.
# export.sh copies this file in for the second plan only.

resource "aws_security_group_rule" "worker_to_db" {
  type                     = "ingress"
  security_group_id        = aws_security_group.db.id
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.worker.id
  description              = "workers write results"
}

resource "aws_vpc_security_group_egress_rule" "cache_https" {
  security_group_id = aws_security_group.cache.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
