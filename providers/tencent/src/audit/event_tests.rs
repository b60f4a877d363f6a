use super::*;
use multicloud_core::ErrorKind;
use proptest::prelude::*;
use time::macros::datetime;

/// A record as CloudAudit's `DescribeEvents` example shows it (fields trimmed).
const RECORD: &str = r#"{
    "userIdentity": {"principalId": "100015596048", "accountId": "100015007673",
                     "secretId": "AKIDEXAMPLE", "type": "CAMUser", "userName": "ops"},
    "eventRegion": "ap-guangzhou", "eventVersion": 2, "errorCode": "0",
    "requestID": "22901fbd-a884-40ea-8708-54119e22a495",
    "eventID": "22901fbd-a884-40ea-8708-54119e22a495",
    "apiVersion": "3.0", "eventType": "ApiCall", "actionType": "Write",
    "eventTime": 1680513809, "sourceIPAddress": "203.0.113.7",
    "eventSource": "cvm.tencentcloudapi.com", "resourceType": "cvm",
    "eventName": "RunInstances"
}"#;

#[test]
fn a_cloud_audit_record_maps_every_field() {
    let event = parse_cloud_audit_event(RECORD.as_bytes()).unwrap();
    assert_eq!(event.id, "22901fbd-a884-40ea-8708-54119e22a495");
    assert_eq!(event.time, datetime!(2023-04-03 09:23:29 UTC));
    assert_eq!(event.event_name, "RunInstances");
    assert_eq!(
        event.event_source.as_deref(),
        Some("cvm.tencentcloudapi.com")
    );
    assert_eq!(event.principal.as_deref(), Some("100015596048"));
    assert_eq!(event.source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(event.region.as_deref(), Some("ap-guangzhou"));
    assert_eq!(event.read_only, Some(false));
    assert_eq!(event.raw["resourceType"], "cvm");
}

#[test]
fn cls_metadata_fields_and_escaped_nested_values_are_read() {
    // JSON format with metadata fields, userIdentity escaped (JsonType = 2), numbers as text.
    let payload = serde_json::json!({
        "__TIMESTAMP__": 1680513809000_i64,
        "__SOURCE__": "cloudaudit",
        "eventId": "e-2",
        "eventTime": "1680513809",
        "eventName": "DescribeInstances",
        "actionType": "Read",
        "userIdentity": "{\"userName\":\"root\",\"type\":\"Root\"}",
    });
    let event = parse_cloud_audit_event(payload.to_string().as_bytes()).unwrap();
    assert_eq!(event.id, "e-2");
    assert_eq!(event.time, datetime!(2023-04-03 09:23:29 UTC));
    assert_eq!(event.principal.as_deref(), Some("root"));
    assert_eq!(event.read_only, Some(true));
    assert_eq!(event.raw["__SOURCE__"], "cloudaudit");
}

#[test]
fn a_full_text_log_is_read_from_its_content_field() {
    let payload = serde_json::json!({ "__CONTENT__": RECORD, "__FILENAME__": "-" });
    let event = parse_cloud_audit_event(payload.to_string().as_bytes()).unwrap();
    assert_eq!(event.event_name, "RunInstances");
    assert_eq!(event.raw["eventRegion"], "ap-guangzhou");
}

#[test]
fn a_console_session_token_never_reaches_the_raw_record() {
    let context = r#"{"token": "planted-token-3f9", "userIp": "203.0.113.7", "mfa": 1}"#;
    for identity in [
        serde_json::json!({"principalId": "1", "sessionContext": context}),
        serde_json::json!({"principalId": "1", "sessionContext": {"token": "planted-token-3f9"}}),
        Value::String(
            serde_json::json!({"principalId": "1", "sessionContext": context}).to_string(),
        ),
        serde_json::json!({"principalId": "1", "sessionContext": "token=planted-token-3f9"}),
    ] {
        let payload = serde_json::json!({
            "eventID": "e", "eventTime": 1, "eventName": "ConsoleLogin", "userIdentity": identity,
        });
        let event = parse_cloud_audit_event(payload.to_string().as_bytes()).unwrap();
        let shown = format!("{event:?} {}", serde_json::to_string(&event).unwrap());
        assert!(!shown.contains("planted-token-3f9"), "{shown}");
        assert_eq!(event.principal.as_deref(), Some("1"));
    }
    // What is not a token stays.
    let payload = serde_json::json!({
        "eventID": "e", "eventTime": 1, "eventName": "X",
        "userIdentity": {"principalId": "1", "sessionContext": context},
    });
    let event = parse_cloud_audit_event(payload.to_string().as_bytes()).unwrap();
    assert!(event.raw.to_string().contains("203.0.113.7"));
}

#[test]
fn older_times_are_beijing_time_and_milliseconds_are_scaled() {
    let at = |v: Value| event_time(&v);
    assert_eq!(
        at(Value::from("2019-03-20 12:36:27")),
        Some(datetime!(2019-03-20 04:36:27 UTC))
    );
    assert_eq!(
        at(Value::from(1_553_056_587_000_i64)),
        Some(datetime!(2019-03-20 04:36:27 UTC))
    );
    assert_eq!(
        at(Value::from("2019-03-20T04:36:27Z")),
        Some(datetime!(2019-03-20 04:36:27 UTC))
    );
    assert_eq!(at(Value::from("yesterday")), None);
    assert_eq!(at(Value::Bool(true)), None);
}

#[test]
fn optional_fields_may_be_missing_or_empty() {
    let event = parse_cloud_audit_event(
        br#"{"eventID":"e","eventTime":1,"eventName":"X","sourceIPAddress":"","userIdentity":7}"#,
    )
    .unwrap();
    assert_eq!(event.event_source, None);
    assert_eq!(event.principal, None);
    assert_eq!(event.source_ip, None, "an empty string is no value");
    assert_eq!(event.region, None);
    assert_eq!(event.read_only, None);
    let event = parse_cloud_audit_event(
        br#"{"eventID":"e","eventTime":1,"eventName":"X","readOnly":"true"}"#,
    )
    .unwrap();
    assert_eq!(event.read_only, Some(true));
}

#[test]
fn records_that_are_not_audit_events_are_decode_errors() {
    for payload in [
        &b"not json"[..],
        b"[1, 2]",
        b"\"text\"",
        b"{}",
        br#"{"__CONTENT__": "plain text log line"}"#,
        br#"{"eventName":"X","eventTime":1}"#,
        br#"{"eventName":"X","eventID":"e"}"#,
        br#"{"eventName":"X","eventID":"e","eventTime":"soon"}"#,
        br#"{"eventName":"X","eventID":"e","eventTime":9999999999999999999}"#,
    ] {
        let err = parse_cloud_audit_event(payload).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{payload:?}: {err}");
    }
    let big = vec![b' '; MAX_PAYLOAD_BYTES + 1];
    assert_eq!(
        parse_cloud_audit_event(&big).unwrap_err().kind(),
        ErrorKind::Decode
    );
}

#[test]
fn a_fallback_supplies_a_missing_id_and_time() {
    let fallback = Fallback {
        id: "cls:topic:0:42".into(),
        time: Some(datetime!(2026-01-01 00:00 UTC)),
    };
    let event = parse_record(br#"{"eventName":"X"}"#, Some(&fallback)).unwrap();
    assert_eq!(event.id, "cls:topic:0:42");
    assert_eq!(event.time, datetime!(2026-01-01 00:00 UTC));
    // The record's own id and time win.
    let event = parse_record(RECORD.as_bytes(), Some(&fallback)).unwrap();
    assert_eq!(event.id, "22901fbd-a884-40ea-8708-54119e22a495");
}

proptest! {
    #[test]
    fn any_bytes_parse_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _outcome = parse_cloud_audit_event(&bytes).map(|e| e.id);
    }

    #[test]
    fn any_json_object_of_audit_fields_parses_without_panicking(
        name in proptest::option::of("[A-Za-z]{0,12}"),
        time in proptest::option::of(any::<i64>()),
        identity in proptest::option::of("[ -~]{0,40}"),
        action in proptest::option::of("[A-Za-z]{0,6}"),
    ) {
        let mut record = serde_json::Map::new();
        record.insert("eventID".into(), "e".into());
        if let Some(n) = name { record.insert("eventName".into(), n.into()); }
        if let Some(t) = time { record.insert("eventTime".into(), t.into()); }
        if let Some(i) = identity { record.insert("userIdentity".into(), i.into()); }
        if let Some(a) = action { record.insert("actionType".into(), a.into()); }
        let payload = Value::Object(record).to_string();
        if let Ok(event) = parse_cloud_audit_event(payload.as_bytes()) {
            prop_assert_eq!(event.id, "e");
        }
    }
}
