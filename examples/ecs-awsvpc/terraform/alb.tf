# The public load balancer in front of web and api.
resource "aws_lb" "public" {
  name               = "prod-public"
  load_balancer_type = "application"
  internal           = false
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.alb.id]
}
