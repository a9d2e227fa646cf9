# ECS cluster "prod" with four awsvpc services.  Their tasks do not exist
# before apply: sgreach answers for the services through their
# network_configuration (groups and subnets).

resource "aws_ecs_cluster" "prod" {
  name = "prod"
}

locals {
  services = {
    web    = { port = 8080, groups = [aws_security_group.web.id], count = 3 }
    worker = { port = 0, groups = [aws_security_group.worker.id], count = 2 }
    api    = { port = 8000, groups = [aws_security_group.api.id], count = 2 }
    batch  = { port = 0, groups = [aws_security_group.batch.id], count = 1 }
  }
}

resource "aws_ecs_task_definition" "app" {
  for_each                 = local.services
  family                   = each.key
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = each.key
    image     = "example/${each.key}:1"
    essential = true
    portMappings = each.value.port == 0 ? [] : [{
      containerPort = each.value.port
      protocol      = "tcp"
    }]
  }])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.app["web"].arn
  desired_count   = 3
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.web.id]
    assign_public_ip = false
  }
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.app["worker"].arn
  desired_count   = 2
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.app["api"].arn
  desired_count   = 2
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = false
  }
}

resource "aws_ecs_service" "batch" {
  name            = "batch"
  cluster         = aws_ecs_cluster.prod.id
  task_definition = aws_ecs_task_definition.app["batch"].arn
  desired_count   = 1
  launch_type     = "FARGATE"

  network_configuration {
    subnets          = [aws_subnet.private[0].id]
    security_groups  = [aws_security_group.batch.id]
    assign_public_ip = false
  }
}
