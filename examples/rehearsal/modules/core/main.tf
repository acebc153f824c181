# Rehearsal of layer core: PostgreSQL, Vault, OpenFGA and Traefik in <env>-core,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "model" {
  input = {
    name           = "${var.environment}-model"
    k8s_cluster_id = var.k8s_cluster_id
  }
}

resource "terraform_data" "postgresql" {
  input = {
    name           = "${var.environment}-postgresql"
    k8s_cluster_id = var.k8s_cluster_id
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}
