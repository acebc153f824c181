terraform {
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = "~> 3.0"
    }
  }
}

locals {
  prefix = "${var.environment}-k8s"
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    k8s_channel = var.k8s_channel
  })
}

# Networking: only HTTPS (and the K8s API inside the subnet) gets in.
resource "openstack_networking_secgroup_v2" "k8s" {
  name        = local.prefix
  description = "Canonical K8s nodes of ${var.environment}"
}

resource "openstack_networking_secgroup_rule_v2" "https_ingress" {
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 443
  port_range_max    = 443
  remote_ip_prefix  = "0.0.0.0/0"
  security_group_id = openstack_networking_secgroup_v2.k8s.id
}

# Compute: one control-plane unit and N workers.
resource "openstack_compute_instance_v2" "control_plane" {
  name            = "${local.prefix}-cp-0"
  image_name      = var.image_name
  flavor_name     = var.control_plane_flavor
  security_groups = [openstack_networking_secgroup_v2.k8s.name]
  user_data       = local.user_data

  network {
    name = var.network_name
  }

  metadata = {
    environment = var.environment
    tier        = var.tier
    role        = "control-plane"
  }
}

resource "openstack_compute_instance_v2" "worker" {
  count           = var.worker_count
  name            = "${local.prefix}-worker-${count.index}"
  image_name      = var.image_name
  flavor_name     = var.worker_flavor
  security_groups = [openstack_networking_secgroup_v2.k8s.name]
  user_data       = local.user_data

  network {
    name = var.network_name
  }

  metadata = {
    environment = var.environment
    tier        = var.tier
    role        = "worker"
  }
}

# Provisioning: join the workers and bootstrap a Juju controller that trusts
# JIMM's JWKS endpoint.
resource "terraform_data" "juju_bootstrap" {
  triggers_replace = [openstack_compute_instance_v2.control_plane.id]

  provisioner "local-exec" {
    command = <<-EOT
      juju add-k8s ${local.prefix} --client
      juju bootstrap ${local.prefix} ${var.environment}-controller \
        --config login-token-refresh-url=${var.jimm_jwks_url}
    EOT
  }

  depends_on = [openstack_compute_instance_v2.worker]
}
