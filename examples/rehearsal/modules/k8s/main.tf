# Rehearsal of layer k8s: OpenStack VMs running Canonical K8s, with a Juju controller,
# as built-in terraform_data resources (no provider to download).

resource "terraform_data" "network" {
  input = {
    name = "${var.environment}-network"
  }
}

resource "terraform_data" "cluster" {
  input = {
    name = "${var.environment}-cluster"
  }

  # Where a real step takes time; the runner's SIGINT test makes it long.
  provisioner "local-exec" {
    command = "sleep ${var.apply_seconds}"
  }
}

resource "terraform_data" "controller" {
  input = {
    name = "${var.environment}-controller"
  }
}
