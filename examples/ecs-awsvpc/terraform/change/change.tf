# The change that plan-change.json shows: a reviewer is asked to approve
# opening the database to the workers and letting batch fetch plain HTTP.
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

resource "aws_vpc_security_group_egress_rule" "batch_http" {
  security_group_id = aws_security_group.batch.id
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
  description       = "fetch plain-HTTP feeds"
}
