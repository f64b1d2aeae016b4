"""The preset deflate dictionaries of stored blobs. NEVER EDIT.

Small blobs (a checkpoint skeleton, a message envelope) barely compress alone; primed
with the msgpack of typical ones they shrink by about half. Blobs written with one can
only be read with these exact bytes: a new dictionary needs a new tag (see `_blob`).

`_ZDICT_V1` (tag suffix `;zd1`): a checkpoint and the messages of a research thread.
`_ZDICT_V2` (tags `z`, `d`): the same, then one tool round's writes as the research
graph makes them (the planner's tool call and its `Send`, the executor's result): a
round's writes are most of a thread's rows, and their envelopes are the same each round.
"""

_ZDICT_V1 = (
    b"fetch_pagesearch_corpusrun_pythonhttps://\x91\xc7\x85\x05\x94\xbdlangchain_core.mess"
    b"ages.human\xacHumanMessage\x86\xa7content\xa0\xb1additional_kwargs\x80\xb1response_m"
    b"etadata\x80\xa4type\xa5human\xa4name\xc0\xa2id\xa0\xb3model_validate_json\x91\xc7"
    b"\xb8\x05\x94\xbclangchain_core.messages.tool\xabToolMessage\x89\xa7content\xa0\xb1ad"
    b"ditional_kwargs\x80\xb1response_metadata\x80\xa4type\xa4tool\xa4name\xaaweb_search"
    b"\xa2id\xa0\xactool_call_id\xa5call_\xa8artifact\xc0\xa6status\xa7success\xb3model_va"
    b"lidate_json\x91\xc7\xea\x05\x94\xbalangchain_core.messages.ai\xa9AIMessage\x89\xa7co"
    b"ntent\xa0\xb1additional_kwargs\x80\xb1response_metadata\x80\xa4type\xa2ai\xa4name"
    b"\xc0\xa2id\xa8lc_run--\xaatool_calls\x91\x84\xa4name\xaaweb_search\xa4args\x81\xa5qu"
    b"ery\xa0\xa2id\xa5call_\xa4type\xa9tool_call\xb2invalid_tool_calls\x90\xaeusage_metad"
    b"ata\xc0\xb3model_validate_json\x88\xa1v\x04\xa2ts\xd9 2026-01-01T00:00:00.000000+00:"
    b"00\xa2id\xd9$1f000000-0000-6000-8000-000000000000\xaechannel_values\x84\xa8question"
    b"\xa0\xaftool_calls_used\x01\xa6status\xabresearching\xa8activity\x82\xa4node\xa8exec"
    b"utor\xa6detail\xaaweb_search\xb0channel_versions\x8a\xa9__start__\x02\xa8question"
    b"\x02\xa8messages\x03\xaftool_calls_used\x04\xb1branch:to:planner\x05\xb2branch:to:ex"
    b"ecutor\x05\xb4branch:to:summarizer\x05\xa6status\x06\xa8activity\x06\xaebranch:to:to"
    b"ol\x07\xadversions_seen\x87\xa9__input__\x80\xa9__start__\x81\xa9__start__\x01\xa7pl"
    b"anner\x81\xb1branch:to:planner\x02\xa8executor\x81\xb2branch:to:executor\x02\xaasumm"
    b"arizer\x81\xb4branch:to:summarizer\x02\xa8verifier\x81\xb2branch:to:verifier\x01\xa9"
    b"finalizer\x81\xb3branch:to:finalizer\x01\xb0updated_channels\x94\xa8activity\xa8mess"
    b"ages\xa6status\xaftool_calls_used\xadpending_sends\x90"
)

_ZDICT_V2 = _ZDICT_V1 + (
    b"\x92\xb7~__pregel_pull, planner\x95\x93\xa8messages\x00\x91\xc7\xea\x05\x94\xbalangc"
    b"hain_core.messages.ai\xa9AIMessage\x89\xa7content\xa0\xb1additional_kwargs\x80\xb1re"
    b"sponse_metadata\x80\xa4type\xa2ai\xa4name\xc0\xa2id\xa8lc_run--\xaatool_calls\x91"
    b"\x84\xa4name\xaaweb_search\xa4args\x81\xa5query\xa0\xa2id\xa5call_\xa4type\xa9tool_c"
    b"all\xb2invalid_tool_calls\x90\xaeusage_metadata\xc0\xb3model_validate_json\x93\xabvi"
    b"ew_tokens\x01\x00\x93\xa8activity\x02\x82\xa4node\xa7planner\xa6detail\xaaweb_search"
    b"\x93\xa6status\x03\xabresearching\x93\xae__pregel_tasks\x04\xc7g\x01\x93\xaflanggrap"
    b"h.types\xa4Send\x92\xa8executor\x82\xa9tool_call\x84\xa4name\xaaweb_search\xa4args"
    b"\x81\xa5query\xa0\xa2id\xa5call_\xa4type\xa9tool_call\xa4step\x01\x92\xd9&~__pregel_"
    b"push, 0000000000, 0000000000\x94\x93\xa8messages\x00\x91\xc7\xb8\x05\x94\xbclangchai"
    b"n_core.messages.tool\xabToolMessage\x89\xa7content\xa0\xb1additional_kwargs\x80\xb1r"
    b"esponse_metadata\x80\xa4type\xa4tool\xa4name\xaaweb_search\xa2id\xa0\xactool_call_id"
    b"\xa5call_\xa8artifact\xc0\xa6status\xa7success\xb3model_validate_json\x93\xaftool_ca"
    b"lls_used\x01\x01\x93\xa8activity\x02\x82\xa4node\xa8executor\xa6detail\xaaweb_search"
    b"\x93\xb1branch:to:planner\x03\xc0"
)
