"""Helpers for the XEP-0050 scenarios (103-105): commands listed and run with slixmpp's own
xep_0050 plugin (get_commands, send_command), forms with its xep_0004 stanzas, errors read from
the XML (the §4.6 application conditions). Every wait is bounded."""
from slixmpp.exceptions import IqError
from slixmpp.plugins.xep_0004.stanza import Form

import livechat_util as lc

COMMANDS = "http://jabber.org/protocol/commands"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
PLUGINS = lc.PLUGINS + ("xep_0004", "xep_0050")
NODE = "urn:xmppd:livechat:0#"


async def nodes(c, jid):
    """§2.2: {node: name} of the commands `jid` lists for this client."""
    result = await c["xep_0050"].get_commands(jid, timeout=10)
    return {item[1]: item[2] for item in result["disco_items"]["items"]}


def submit(**fields):
    form = Form()
    form["type"] = "submit"
    for var, value in fields.items():
        form.add_field(var=var, value=value)
    return form


async def execute(c, jid, node, verb="execute", sessionid=None, **fields):
    """Sends a <command/> with action `verb` (a form field may be called "action"); returns its
    <command/> element (xml)."""
    payload = submit(**fields) if fields else None
    result = await c["xep_0050"].send_command(jid, NODE + node if ":" not in node else node, action=verb,
                                              payload=payload, sessionid=sessionid, timeout=10)
    return result.xml.find("{%s}command" % COMMANDS)


async def refused(c, jid, node, verb="execute", sessionid=None, **fields):
    """(condition, application condition) of a command that must fail (RFC 6120 §8.3, XEP-0050 §4.6)."""
    try:
        await execute(c, jid, node, verb, sessionid, **fields)
    except IqError as e:
        error = e.iq.xml.find("{jabber:client}error")
        cond = [x.tag.split("}")[1] for x in error if x.tag.startswith("{%s}" % STANZAS) and not x.tag.endswith("}text")]
        app = [x.tag.split("}")[1] for x in error if x.tag.startswith("{%s}" % COMMANDS)]
        return (cond[0] if cond else ""), (app[0] if app else "")
    raise AssertionError("the command succeeded; an error was expected")


def notes(command):
    return [n.text for n in command.findall("{%s}note" % COMMANDS)]


def form_of(command):
    return command.find("{jabber:x:data}x")


def options(command, var):
    """(value, label) of the options of list field `var` of the command's form."""
    x = form_of(command)
    for f in x.findall("{jabber:x:data}field"):
        if f.get("var") == var:
            return [(o.find("{jabber:x:data}value").text, o.get("label")) for o in f.findall("{jabber:x:data}option")]
    raise AssertionError("no field %s" % var)


def actions(command):
    a = command.find("{%s}actions" % COMMANDS)
    return (a.get("execute"), [x.tag.split("}")[1] for x in a]) if a is not None else None
