/* libstrophe_adhoc: XEP-0050 commands from a client written with Debian's libstrophe. Logs in
 * (STARTTLS, SASL as libstrophe chooses), then sends each IQ given on the command line in turn,
 * each after the answer to the one before, and prints every answer on one line. "{sessionid}" in
 * an IQ is replaced by the sessionid of the last <command/> answered (XEP-0050 §3.3), so a test
 * can drive a session. Driven by 105-adhoc-sessions-rights.py.
 *
 * usage: libstrophe_adhoc JID PORT IQ...   (password on standard input; debug log on stderr)
 * Prints "connected <full JID>", then "reply <xml>" per IQ; exit 0 when every IQ was answered. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <unistd.h>

#include "libstrophe_test_client.h"

struct state {
    xmpp_ctx_t *ctx;
    char **iqs;
    int count, next, ok;
    char sessionid[128];
};

static void send_next(xmpp_conn_t *conn, struct state *st);

static int on_reply(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata)
{
    struct state *st = userdata;
    char *text = NULL;
    size_t len = 0;
    if (xmpp_stanza_to_text(stanza, &text, &len) == XMPP_EOK) {
        printf("reply %s\n", text);
        fflush(stdout);
        xmpp_free(st->ctx, text);
    }
    xmpp_stanza_t *cmd = xmpp_stanza_get_child_by_name_and_ns(stanza, "command", "http://jabber.org/protocol/commands");
    const char *sid = cmd ? xmpp_stanza_get_attribute(cmd, "sessionid") : NULL;
    if (sid && strlen(sid) < sizeof st->sessionid)
        strcpy(st->sessionid, sid);
    send_next(conn, st);
    return 0;
}

/* The IQ with {sessionid} replaced; NULL when it does not fit. */
static char *expand(const char *iq, const char *sessionid)
{
    static char out[8192];
    const char *mark = strstr(iq, "{sessionid}");
    if (!mark)
        return strlen(iq) < sizeof out ? strcpy(out, iq) : NULL;
    if (strlen(iq) + strlen(sessionid) >= sizeof out)
        return NULL;
    snprintf(out, sizeof out, "%.*s%s%s", (int)(mark - iq), iq, sessionid, mark + strlen("{sessionid}"));
    return out;
}

static void send_next(xmpp_conn_t *conn, struct state *st)
{
    if (st->next == st->count) {
        st->ok = 1;
        xmpp_disconnect(conn);
        return;
    }
    char *text = expand(st->iqs[st->next], st->sessionid);
    xmpp_stanza_t *iq = text ? xmpp_stanza_new_from_string(st->ctx, text) : NULL;
    if (!iq) {
        fprintf(stderr, "libstrophe_adhoc: cannot parse IQ %d\n", st->next);
        xmpp_disconnect(conn);
        return;
    }
    char id[32];
    snprintf(id, sizeof id, "adhoc-%d", st->next++);
    xmpp_stanza_set_id(iq, id);
    xmpp_id_handler_add(conn, on_reply, id, st);
    xmpp_send(conn, iq);
    xmpp_stanza_release(iq);
}

static int on_timeout(xmpp_conn_t *conn, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "libstrophe_adhoc: timed out\n");
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
    send_next(conn, st);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: libstrophe_adhoc JID PORT IQ... (password on stdin)\n");
        return 2;
    }
    char password[256];
    if (!read_password(password, sizeof password))
        return 2;
    alarm(30); /* never hang a test */
    /* libstrophe acknowledges (XEP-0198 <a/>) after its </stream:stream>; the server may have
     * closed the socket by then, and that late write must not kill the client. */
    signal(SIGPIPE, SIG_IGN);

    xmpp_initialize();
    xmpp_log_t *log = xmpp_get_default_logger(XMPP_LEVEL_DEBUG);
    struct state st = {xmpp_ctx_new(NULL, log), argv + 3, argc - 3, 0, 0, ""};
    xmpp_conn_t *conn = connect_test_client(st.ctx, argv[1], password, argv[2], on_connection, &st);
    if (!conn) {
        fprintf(stderr, "libstrophe_adhoc: cannot connect\n");
        return 2;
    }
    xmpp_timed_handler_add(conn, on_timeout, 20000, &st);
    xmpp_run(st.ctx);
    xmpp_conn_release(conn);
    xmpp_ctx_free(st.ctx);
    xmpp_shutdown();
    return st.ok ? 0 : 1;
}
