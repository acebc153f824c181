# Rehearsal of layer iam: Kratos, Hydra, the login UI and the hook service in <env>-iam,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "model" {
  input = {
    name             = "${var.environment}-model"
    core_model_uuid  = var.core_model_uuid
    postgresql_offer = var.postgresql_offer
  }
}

resource "terraform_data" "hydra" {
  input = {
    name             = "${var.environment}-hydra"
    core_model_uuid  = var.core_model_uuid
    postgresql_offer = var.postgresql_offer
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}
