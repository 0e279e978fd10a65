// placeholder, replaced by the pcap reader implementation
