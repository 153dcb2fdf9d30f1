/* What the libstrophe test clients (05-libstrophe.c, 105-libstrophe-adhoc.c, libstrophe_pipe.c)
 * share: the password from standard input (never the command line) and a connection to the
 * test server as the tests want it. */
#ifndef XMPPD_LIBSTROPHE_TEST_CLIENT_H
#define XMPPD_LIBSTROPHE_TEST_CLIENT_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

/* The first line of standard input, without its line end; 0 when there is none. */
static int read_password(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin))
        return 0;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 1;
}

/* A client connection to 127.0.0.1:port with STARTTLS required (the test certificate is
 * self-signed, so it is trusted as is) and SASL as libstrophe chooses: ANONYMOUS (XEP-0175)
 * for an empty password, otherwise the strongest mechanism (SCRAM-SHA-256 with gs2 flag 'n',
 * as 0.12 has no channel binding). NULL when the connection cannot start. */
static xmpp_conn_t *connect_test_client(xmpp_ctx_t *ctx, const char *jid, const char *password, const char *port,
                                        xmpp_conn_handler handler, void *userdata)
{
    xmpp_conn_t *conn = xmpp_conn_new(ctx);
    xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS | XMPP_CONN_FLAG_TRUST_TLS);
    xmpp_conn_set_jid(conn, jid);
    if (*password)
        xmpp_conn_set_pass(conn, password);
    if (xmpp_connect_client(conn, "127.0.0.1", (unsigned short)atoi(port), handler, userdata) != XMPP_EOK) {
        xmpp_conn_release(conn);
        return NULL;
    }
    return conn;
}

#endif
