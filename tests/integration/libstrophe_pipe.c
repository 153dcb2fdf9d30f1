/* libstrophe_pipe: an XMPP client written with Debian's libstrophe that a test drives through
 * its standard streams, so a Python scenario can play any role (visitor, consultant) with a
 * client library nobody here wrote. Logs in (STARTTLS; SASL as libstrophe chooses: ANONYMOUS
 * for a JID without a local part, XEP-0175), then:
 *   - prints "connected <full JID>" once bound;
 *   - prints "recv <stanza>" for every stanza received (message, presence, iq), on one line
 *     (newlines in text become &#10;, which an XML parser reads back as a newline);
 *   - sends every line read on standard input as one stanza (XML, as written);
 *   - disconnects on the line "quit" or at the end of input, then prints "disconnected".
 * Used by livechat_peers.py (106-livechat-crowd.py).
 *
 * usage: libstrophe_pipe JID PORT   (first input line: the password, empty for ANONYMOUS)
 * Exit 0 after a clean session, 1 when the session failed, 2 on bad usage. */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>
#include <unistd.h>

#include "libstrophe_test_client.h"

struct state {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    int connected, done, finished, ok;
    char line[65536];
    size_t used;
};

static void print_one_line(const char *prefix, const char *text)
{
    fputs(prefix, stdout);
    for (const char *p = text; *p; ++p) {
        if (*p == '\n')
            fputs("&#10;", stdout);
        else if (*p != '\r')
            fputc(*p, stdout);
    }
    fputc('\n', stdout);
    fflush(stdout);
}

static int on_stanza(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata)
{
    struct state *st = userdata;
    char *text = NULL;
    size_t len = 0;
    (void)conn;
    if (xmpp_stanza_to_text(stanza, &text, &len) == XMPP_EOK) {
        print_one_line("recv ", text);
        xmpp_free(st->ctx, text);
    }
    return 1; /* keep the handler for every later stanza */
}

static void on_connection(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                          xmpp_stream_error_t *stream_error, void *userdata)
{
    struct state *st = userdata;
    (void)error;
    (void)stream_error;
    if (event == XMPP_CONN_CONNECT) {
        st->connected = 1;
        xmpp_handler_add(conn, on_stanza, NULL, NULL, NULL, st);
        printf("connected %s\n", xmpp_conn_get_bound_jid(conn));
        fflush(stdout);
        return;
    }
    /* Clean only when the test asked for the end ("quit") of a session that was up. */
    st->ok = st->connected && st->done;
    st->finished = 1;
}

/* One complete input line: a stanza to send, or "quit". */
static void take_line(struct state *st, char *line)
{
    if (strcmp(line, "quit") == 0) {
        st->done = 1;
        xmpp_disconnect(st->conn);
        return;
    }
    if (!*line || !st->connected)
        return;
    xmpp_stanza_t *stanza = xmpp_stanza_new_from_string(st->ctx, line);
    if (!stanza) {
        fprintf(stderr, "libstrophe_pipe: not a stanza: %.200s\n", line);
        return;
    }
    xmpp_send(st->conn, stanza);
    xmpp_stanza_release(stanza);
}

/* Reads what standard input has now, without blocking libstrophe's loop. */
static void read_input(struct state *st)
{
    struct pollfd p = {0, POLLIN, 0};
    while (!st->done && poll(&p, 1, 0) > 0) {
        ssize_t n = read(0, st->line + st->used, sizeof st->line - 1 - st->used);
        if (n <= 0) {
            st->done = 1;
            xmpp_disconnect(st->conn);
            return;
        }
        st->used += (size_t)n;
        st->line[st->used] = '\0';
        char *start = st->line, *nl;
        while ((nl = strchr(start, '\n')) != NULL) {
            *nl = '\0';
            take_line(st, start);
            start = nl + 1;
        }
        st->used = strlen(start);
        memmove(st->line, start, st->used + 1);
        if (st->used == sizeof st->line - 1) {
            fprintf(stderr, "libstrophe_pipe: input line too long\n");
            st->used = 0;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: libstrophe_pipe JID PORT (password on the first input line)\n");
        return 2;
    }
    char password[256];
    if (!read_password(password, sizeof password))
        return 2;
    /* libstrophe may acknowledge (XEP-0198) after the server closed the socket. */
    signal(SIGPIPE, SIG_IGN);

    xmpp_initialize();
    /* Debug log on standard error only when asked: a crowd of these would flood the test log. */
    xmpp_log_t *log = getenv("XMPPD_STROPHE_DEBUG") ? xmpp_get_default_logger(XMPP_LEVEL_DEBUG) : NULL;
    struct state st = {0};
    st.ctx = xmpp_ctx_new(NULL, log);
    st.conn = connect_test_client(st.ctx, argv[1], password, argv[2], on_connection, &st);
    if (!st.conn) {
        fprintf(stderr, "libstrophe_pipe: cannot connect\n");
        return 1;
    }
    /* Standard input is read between turns of libstrophe's loop (it has no hook for other fds). */
    while (!st.finished) {
        xmpp_run_once(st.ctx, 20);
        if (!st.finished)
            read_input(&st);
    }
    printf("disconnected\n");
    fflush(stdout);
    xmpp_conn_release(st.conn);
    xmpp_ctx_free(st.ctx);
    xmpp_shutdown();
    return st.ok ? 0 : 1;
}
