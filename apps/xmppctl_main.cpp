// xmppctl: the operator's tool.
int main() { return 0; }
