"""XEP-0313 queries as the scenarios send them (75 to accounts, 76-79 to rooms)."""
from slixmpp.xmlstream.handler import Collector
from slixmpp.xmlstream.matcher import MatchXMLMask


async def query(client, archive, fields=None, with_jid=None, **rsm):
    """One MAM query to `archive` (an account or a room), built with slixmpp's MAM and RSM
    stanzas and collected the way its retrieve() does it (retrieve() turns RSM values into strings,
    so it cannot send an empty <before/>); returns (results, fin). Raises IqError when refused."""
    iq, mask = client["xep_0313"]._pre_mam_retrieve(archive, None, None, with_jid, None)
    for var, value in (fields or {}).items():
        if isinstance(value, list):  # set_custom_field writes str(list): a list-multi field
            iq["mam"]._setup_form()
            iq["mam"]["form"].add_field(var=var, ftype="list-multi", value=value)
        else:
            iq["mam"].set_custom_field(var, value)
    for key, value in rsm.items():
        iq["mam"]["rsm"][key] = value
    collector = Collector("query-" + iq["id"], MatchXMLMask(str(mask)))
    client.register_handler(collector)
    try:
        reply = await iq.send(timeout=10)
    finally:
        results = collector.stop()
    return results, reply["mam_fin"]
