// placeholder, replaced by the pcap writer implementation
