# The database and the cache, as the network interfaces they sit on (an RDS
# instance or an ElastiCache node shows up as such an ENI), with fixed
# addresses so that queries can name them: 10.0.1.30 and 10.0.2.30, as in
# ../aws.
resource "aws_network_interface" "db" {
  subnet_id       = aws_subnet.private[0].id
  private_ips     = ["10.0.1.30"]
  security_groups = [aws_security_group.db.id]
  description     = "PostgreSQL primary"
}

resource "aws_network_interface" "cache" {
  subnet_id       = aws_subnet.private[1].id
  private_ips     = ["10.0.2.30"]
  security_groups = [aws_security_group.cache.id]
  description     = "Redis primary"
}
