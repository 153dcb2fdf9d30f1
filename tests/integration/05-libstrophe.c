/* libstrophe_client: logs in with Debian's libstrophe (STARTTLS required, SASL as libstrophe
 * chooses: SCRAM-SHA-256 with gs2 flag 'n', as 0.12 has no channel binding), sends one chat
 * message, then a XEP-0199 ping to the server; the ping's answer proves the message went
 * through the server before the stream is closed (RFC 6120 §10.1: in-order processing).
 * Driven by 05-libstrophe.py.
 *
 * usage: libstrophe_client JID PORT TO BODY   (password on standard input; debug log on stderr)
 * Prints "connected <full JID>" and "sent"; exit 0 on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <unistd.h>

#include "libstrophe_test_client.h"

struct state {
    xmpp_ctx_t *ctx;
    const char *to;
    const char *body;
    const char *domain;
    int ok;
};

static int on_ping_result(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata)
{
    struct state *st = userdata;
    const char *type = xmpp_stanza_get_type(stanza);
    if (type && strcmp(type, "result") == 0) {
        printf("sent\n");
        fflush(stdout);
        st->ok = 1;
    } else {
        fprintf(stderr, "libstrophe_client: ping failed\n");
    }
    xmpp_disconnect(conn);
    return 0;
}

static int on_timeout(xmpp_conn_t *conn, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "libstrophe_client: timed out\n");
    xmpp_disconnect(conn);
    return 0;
}

static void on_connection(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                          xmpp_stream_error_t *stream_error, void *userdata)
{
    struct state *st = userdata;
    (void)error;
    (void)stream_error;
    if (event != XMPP_CONN_CONNECT) {
        xmpp_stop(st->ctx);
        return;
    }
    printf("connected %s\n", xmpp_conn_get_bound_jid(conn));
    fflush(stdout);

    xmpp_stanza_t *msg = xmpp_message_new(st->ctx, "chat", st->to, "strophe-1");
    xmpp_message_set_body(msg, st->body);
    xmpp_send(conn, msg);
    xmpp_stanza_release(msg);

    xmpp_stanza_t *iq = xmpp_iq_new(st->ctx, "get", "strophe-ping");
    xmpp_stanza_set_to(iq, st->domain);
    xmpp_stanza_t *ping = xmpp_stanza_new(st->ctx);
    xmpp_stanza_set_name(ping, "ping");
    xmpp_stanza_set_ns(ping, "urn:xmpp:ping");
    xmpp_stanza_add_child(iq, ping);
    xmpp_stanza_release(ping);
    xmpp_id_handler_add(conn, on_ping_result, "strophe-ping", st);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: libstrophe_client JID PORT TO BODY (password on stdin)\n");
        return 2;
    }
    char password[256];
    if (!read_password(password, sizeof password))
        return 2;
    alarm(30); /* never hang a test */

    xmpp_initialize();
    xmpp_log_t *log = xmpp_get_default_logger(XMPP_LEVEL_DEBUG);
    const char *at = strchr(argv[1], '@');
    struct state st = {xmpp_ctx_new(NULL, log), argv[3], argv[4], at ? at + 1 : argv[1], 0};
    xmpp_conn_t *conn = connect_test_client(st.ctx, argv[1], password, argv[2], on_connection, &st);
    if (!conn) {
        fprintf(stderr, "libstrophe_client: cannot connect\n");
        return 2;
    }
    xmpp_timed_handler_add(conn, on_timeout, 20000, &st);
    xmpp_run(st.ctx);
    xmpp_conn_release(conn);
    xmpp_ctx_free(st.ctx);
    xmpp_shutdown();
    return st.ok ? 0 : 1;
}
