#!/usr/bin/python3
"""Oracle for xmppd's PRECIS preparation (RFC 7622 §3.3-3.4, RFC 8264/8265) against precis_i18n.

Compares precis_dump's output with Debian's precis_i18n (UsernameCaseMapped, OpaqueString, the
RFC 8264 derived property) and, when python3-idna is installed, the RFC 5892 derived property
with that package's IDNA2008 tables.

Usage: /usr/bin/python3 precis_oracle.py path/to/precis_dump

Unicode versions. xmppd computes everything from ICU (Unicode 15.0 for ICU 72); precis_i18n
takes character properties from Python's unicodedata (Unicode 14.0 in Debian 12's Python 3.11),
and python3-idna 3.3 ships tables for Unicode 14.0 too. A code point is compared only when both
databases agree whether it is assigned: assigned in both (ICU age at most the Python version)
or unassigned in both (then both must refuse it). Code points that only the newer version
assigns (4,489 from Unicode 15.0: Kawi, Nag Mundari, CJK Extension H, …) are skipped, and so is
every string that contains one. The script prints both versions and how much was skipped.

Explained differences. RFC 8265 §3.3.1 maps fullwidth and halfwidth characters "to their
decomposition mappings"; precis_i18n maps them with NFKC, which goes one step further where the
decomposition mapping itself has a compatibility decomposition: HALFWIDTH HANGUL LETTER KIYEOK
(U+FFA1) is <narrow> U+3131, a compatibility jamo, which NFKC turns into the conjoining jamo
U+1100. Alone either result is refused, but a halfwidth jamo sequence composes to a Hangul
syllable under precis_i18n and stays refused under the RFC's rule. Such a mismatch counts as
explained only when precis_i18n, given the input with exactly that mapping done first, agrees
with xmppd; it is reported with its count. Everything else fails the test.
"""

import subprocess
import sys
import unicodedata

import precis_i18n
from precis_i18n.derived import derived_property
from precis_i18n.unicode import UnicodeData

# RFC 7622 §3.3.1: allowed by UsernameCaseMapped but not in a localpart; xmppd refuses them
# after preparation, so the oracle applies the same rule on top of precis_i18n.
FORBIDDEN_IN_LOCALPART = set('"&\'/:<>@')
MAX_PART_BYTES = 1023  # RFC 7622 §3.1

USERNAME = precis_i18n.get_profile('UsernameCaseMapped')
OPAQUE = precis_i18n.get_profile('OpaqueString')
UCD = UnicodeData()

EXPECTED_CODE_POINT_LINES = 0x110000 - 0x800  # all but surrogates


def version_tuple(text):
    return tuple(int(x) for x in text.split('.')[:2])


def enforce(profile, text):
    try:
        out = profile.enforce(text)
    except UnicodeEncodeError:
        return None
    if len(out.encode('utf-8')) > MAX_PART_BYTES:
        return None
    return out


def expected_localpart(text):
    out = enforce(USERNAME, text)
    if out is None or FORBIDDEN_IN_LOCALPART.intersection(out):
        return None
    return out


def expected_resourcepart(text):
    return enforce(OPAQUE, text)


def decode(field):
    if field == '-':
        return None
    return ''.join(chr(int(x, 16)) for x in field.split(' ')) if field else ''


def show(value):
    if value is None:
        return 'refused'
    return ' '.join('U+%04X' % ord(c) for c in value)


def width_by_decomposition(text):
    """Maps <wide>/<narrow> characters to their decomposition mapping, as RFC 8265 §3.3.1
    words it, so that precis_i18n's own NFKC-based width mapping has nothing left to do."""
    out = []
    for c in text:
        decomposition = unicodedata.decomposition(c)
        if decomposition.startswith(('<wide> ', '<narrow> ')):
            out.append(''.join(chr(int(x, 16)) for x in decomposition.split(' ')[1:]))
        else:
            out.append(c)
    return ''.join(out)


def is_width_explained(text, ours):
    mapped = width_by_decomposition(text)
    if mapped == text:
        return False
    return expected_localpart(mapped) == ours


def load_idna_classes():
    try:
        import idna.idnadata
        import idna.intranges
    except ImportError:
        return None, None
    classes = idna.idnadata.codepoint_classes

    def idna_class(cp):
        for name in ('PVALID', 'CONTEXTJ', 'CONTEXTO'):
            if idna.intranges.intranges_contain(cp, classes[name]):
                return name
        return 'DISALLOWED'

    return idna_class, idna.idnadata.__version__


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    py_version = version_tuple(unicodedata.unidata_version)
    idna_class, idna_version = load_idna_classes()
    idna_comparable = idna_class is not None and version_tuple(idna_version) == py_version

    proc = subprocess.Popen([sys.argv[1]], stdout=subprocess.PIPE, text=True,
                            encoding='utf-8')
    icu_version = None
    # Whether each code point is comparable between the two Unicode versions (see docstring).
    comparable = {}
    counts = dict(code_points=0, compared_code_points=0, skipped_code_points=0, strings=0,
                  compared_strings=0, skipped_strings=0, explained=0, idna_compared=0)
    explained_examples = []
    mismatches = []

    def mismatch(what, text, ours, theirs):
        mismatches.append('%s %s: xmppd %s, oracle %s' % (what, show(text), ours, theirs))

    def compare_profiles(text, local_field, resource_field):
        ours_local, ours_resource = decode(local_field), decode(resource_field)
        theirs_local = expected_localpart(text)
        if ours_local != theirs_local:
            if is_width_explained(text, ours_local):
                counts['explained'] += 1
                if len(explained_examples) < 5:
                    explained_examples.append('%s: xmppd %s, precis_i18n %s' % (
                        show(text), show(ours_local), show(theirs_local)))
            else:
                mismatch('localpart', text, show(ours_local), show(theirs_local))
        theirs_resource = expected_resourcepart(text)
        if ours_resource != theirs_resource:
            mismatch('resourcepart', text, show(ours_resource), show(theirs_resource))

    for line in proc.stdout:
        fields = line.rstrip('\n').split('\t')
        kind = fields[0]
        if kind == 'V':
            icu_version = fields[1]
            icu_tuple = version_tuple(icu_version)
        elif kind == 'C':
            counts['code_points'] += 1
            cp = int(fields[1], 16)
            age = version_tuple(fields[2])
            ch = chr(cp)
            assigned_icu = age != (0, 0)
            assigned_py = unicodedata.category(ch) != 'Cn' or UCD.noncharacter(cp)
            ok = assigned_icu == assigned_py and (not assigned_icu or age <= py_version)
            comparable[cp] = ok
            if not ok:
                counts['skipped_code_points'] += 1
                continue
            counts['compared_code_points'] += 1
            theirs_derived = derived_property(cp, UCD)[0]
            if fields[3] != theirs_derived:
                mismatch('RFC 8264 derived property of', ch, fields[3], theirs_derived)
            if idna_comparable:
                counts['idna_compared'] += 1
                ours_idna = 'DISALLOWED' if fields[4] == 'UNASSIGNED' else fields[4]
                theirs_idna = idna_class(cp)
                if ours_idna != theirs_idna:
                    mismatch('RFC 5892 derived property of', ch, ours_idna, theirs_idna)
            compare_profiles(ch, fields[5], fields[6])
        elif kind == 'S':
            counts['strings'] += 1
            text = decode(fields[1])
            if not all(comparable[ord(c)] for c in text):
                counts['skipped_strings'] += 1
                continue
            counts['compared_strings'] += 1
            compare_profiles(text, fields[2], fields[3])
        else:
            mismatches.append('unexpected line from precis_dump: %r' % line)
    status = proc.wait()

    print('xmppd (ICU): Unicode %s; precis_i18n %s: Python unicodedata %s; python3-idna tables: %s'
          % (icu_version, precis_i18n.__version__, unicodedata.unidata_version,
             idna_version if idna_class else 'not installed'))
    for key, value in counts.items():
        print('  %-22s %d' % (key, value))
    if explained_examples:
        print('Explained (width mapping by decomposition, RFC 8265 §3.3.1, vs NFKC in '
              'precis_i18n), e.g.:')
        for example in explained_examples:
            print('  ' + example)
    if not idna_comparable:
        print('RFC 5892 derived property NOT compared (python3-idna missing or its Unicode '
              'version differs from unicodedata).')

    failed = False
    if status != 0:
        print('FAIL: precis_dump exited with %d' % status)
        failed = True
    if icu_version is None or version_tuple(icu_version) < py_version:
        # The skip rule above assumes ICU's Unicode is at least Python's.
        print('FAIL: ICU Unicode version %s older than Python\'s %s; update the skip rule'
              % (icu_version, unicodedata.unidata_version))
        failed = True
    if counts['code_points'] != EXPECTED_CODE_POINT_LINES:
        print('FAIL: expected %d code points from precis_dump, got %d'
              % (EXPECTED_CODE_POINT_LINES, counts['code_points']))
        failed = True
    if counts['compared_strings'] < 100000:
        print('FAIL: only %d strings compared' % counts['compared_strings'])
        failed = True
    if mismatches:
        print('FAIL: %d unexplained mismatches; first ones:' % len(mismatches))
        for m in mismatches[:60]:
            print('  ' + m)
        failed = True
    if failed:
        return 1
    print('OK: no unexplained mismatch')
    return 0


if __name__ == '__main__':
    sys.exit(main())
