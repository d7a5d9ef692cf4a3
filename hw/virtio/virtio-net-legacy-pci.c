/*
 * qemu-xnet: virtio-net-legacy-pci, the legacy virtio-net device on PCI
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -device virtio-net-legacy-pci,netdev=N[,vectors=V][,ioeventfd=on|off]
 *           [,bootindex=I][,romfile=FILE]
 *
 * Vendor 0x1af4, device 0x1000: a virtio 0.9.5 device behind the legacy
 * I/O BAR (BAR 0) and an MSI-X BAR, with no modern capabilities.  It has
 * neither a disable-legacy nor a disable-modern property, so it cannot be
 * made modern.  Like the transitional virtio devices it is a conventional
 * PCI device (an I/O BAR), never a PCI Express endpoint.  Its option ROM
 * is iPXE's efi-virtio.rom, as for upstream's virtio-net-pci, so that
 * -boot n and bootindex= boot from it the same way.
 */

#include "qemu/osdep.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio-net-legacy.h"
#include "hw/virtio/virtio-pci.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "qom/object.h"

#define TYPE_VIRTIO_NET_LEGACY_PCI "virtio-net-legacy-pci"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIONetLegacyPCI, VIRTIO_NET_LEGACY_PCI)

struct VirtIONetLegacyPCI {
    VirtIOPCIProxy parent_obj;
    VirtIONetLegacy vdev;
};

static const Property virtio_net_legacy_pci_properties[] = {
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, true),
    /* One vector per queue (rx, tx, ctrl) and one for config changes */
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors, 4),
};

static void virtio_net_legacy_pci_realize(VirtIOPCIProxy *vpci_dev,
                                          Error **errp)
{
    DeviceState *qdev = DEVICE(vpci_dev);
    VirtIONetLegacyPCI *dev = VIRTIO_NET_LEGACY_PCI(vpci_dev);

    /* instance_init fixed these; nothing may have turned modern on */
    if (virtio_pci_modern(vpci_dev) || !virtio_pci_legacy(vpci_dev)) {
        error_setg(errp, "%s is legacy only", TYPE_VIRTIO_NET_LEGACY_PCI);
        return;
    }
    virtio_net_legacy_set_netclient_name(&dev->vdev, qdev->id,
                                         object_get_typename(OBJECT(qdev)));
    qdev_realize(DEVICE(&dev->vdev), BUS(&vpci_dev->bus), errp);
}

static void virtio_net_legacy_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    VirtioPCIClass *vpciklass = VIRTIO_PCI_CLASS(klass);

    k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    k->device_id = PCI_DEVICE_ID_VIRTIO_NET;
    k->revision = VIRTIO_PCI_ABI_VERSION;
    k->class_id = PCI_CLASS_NETWORK_ETHERNET;
    /* iPXE's virtio driver, Debian's ipxe-qemu, speaks legacy virtio too */
    k->romfile = "efi-virtio.rom";
    dc->desc = "legacy (virtio 0.9.5) network device on PCI";
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
    device_class_set_props(dc, virtio_net_legacy_pci_properties);
    vpciklass->realize = virtio_net_legacy_pci_realize;
}

static void virtio_net_legacy_pci_instance_init(Object *obj)
{
    VirtIONetLegacyPCI *dev = VIRTIO_NET_LEGACY_PCI(obj);
    VirtIOPCIProxy *proxy = VIRTIO_PCI(obj);

    /* Legacy I/O BAR on, modern capabilities and BAR off, for good */
    proxy->disable_legacy = ON_OFF_AUTO_OFF;
    proxy->disable_modern = true;
    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VIRTIO_NET_LEGACY);
    object_property_add_alias(obj, "bootindex", OBJECT(&dev->vdev),
                              "bootindex");
}

static const TypeInfo virtio_net_legacy_pci_info = {
    .name = TYPE_VIRTIO_NET_LEGACY_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIONetLegacyPCI),
    .instance_init = virtio_net_legacy_pci_instance_init,
    .class_init = virtio_net_legacy_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        /* An I/O BAR: conventional PCI only, like transitional devices */
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { }
    },
};

static void virtio_net_legacy_pci_register(void)
{
    type_register_static(&virtio_net_legacy_pci_info);
}

type_init(virtio_net_legacy_pci_register)
