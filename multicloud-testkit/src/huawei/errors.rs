//! Huawei Cloud error bodies, as the gateway (APIG) and the services send them.
//!
//! Shapes: the gateway and most services answer `{"error_code", "error_msg", "request_id"}`;
//! Keystone (IAM) answers `{"error": {"code": 403, "message", "title"}}`; ECS answers
//! `{"error": {"code": "Ecs.xxxx", "message"}}`. The official SDK reads `error_code` /
//! `error_msg` first, then `code` / `message` at any depth, and the `X-Request-Id` header.

use serde_json::json;

use crate::sim::SimResponse;

/// `APIGW.0301` message for a signature that does not verify (also what a request whose
/// `X-Sdk-Date` is more than 15 minutes off gets: the signing guide lists the date check
/// as the first thing to look at for this message).
pub(crate) const MSG_SIGNATURE: &str =
    "Incorrect IAM authentication information: verify aksk signature fail";
/// `APIGW.0301` message once an AK is locked after more than five consecutive failures.
pub(crate) const MSG_LOCKED: &str =
    "Incorrect IAM authentication information: AK access failed to reach the limit,forbidden.";
/// `APIGW.0301` message for a credential the gateway cannot use (observed on real accounts
/// for keys that are not valid for the call; used here for disabled keys and for a project
/// that is not the key's).
pub(crate) const MSG_UNAUTHORIZED: &str = "Incorrect IAM authentication information: Unauthorized";

/// A response with the gateway's `X-Request-Id` header.
fn with_request_id(resp: SimResponse, request_id: &str) -> SimResponse {
    resp.with_header("X-Request-Id", request_id)
}

/// `{"error_code", "error_msg", "request_id"}` with `status`.
pub(crate) fn gateway(status: u16, code: &str, msg: &str, request_id: &str) -> SimResponse {
    with_request_id(
        SimResponse::json(
            status,
            &json!({"error_code": code, "error_msg": msg, "request_id": request_id}),
        ),
        request_id,
    )
}

/// 401 `APIGW.0301` with one of the messages above.
pub(crate) fn auth_failed(msg: &str, request_id: &str) -> SimResponse {
    gateway(401, "APIGW.0301", msg, request_id)
}

/// 401 `APIGW.0301` for an AK the gateway does not know.
pub(crate) fn unknown_ak(ak: &str, request_id: &str) -> SimResponse {
    let msg = format!(
        "Incorrect IAM authentication information: Get secretKey failed,ak:{ak},err:ak not exist"
    );
    auth_failed(&msg, request_id)
}

/// 429 `APIGW.0308`: the gateway's flow control (default 200 calls/s per API).
pub(crate) fn throttled(request_id: &str) -> SimResponse {
    gateway(
        429,
        "APIGW.0308",
        "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second",
        request_id,
    )
}

/// 502 `APIGW.0201`: the backend behind the gateway failed.
pub(crate) fn backend_failed(request_id: &str) -> SimResponse {
    gateway(502, "APIGW.0201", "Backend unavailable", request_id)
}

/// 404 `APIGW.0101`: wrong host, region or path.
pub(crate) fn no_such_api(request_id: &str) -> SimResponse {
    gateway(
        404,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment",
        request_id,
    )
}

/// Keystone-style error: `{"error": {"code": 403, "message", "title"}}`.
pub(crate) fn keystone(status: u16, title: &str, message: &str, request_id: &str) -> SimResponse {
    with_request_id(
        SimResponse::json(
            status,
            &json!({"error": {"code": status, "message": message, "title": title}}),
        ),
        request_id,
    )
}

/// ECS-style error: `{"error": {"code": "Ecs.xxxx", "message"}}`.
pub(crate) fn ecs(status: u16, code: &str, message: &str, request_id: &str) -> SimResponse {
    with_request_id(
        SimResponse::json(
            status,
            &json!({"error": {"code": code, "message": message}}),
        ),
        request_id,
    )
}

/// The 403 a service sends when the key's policy does not grant `action`.
///
/// IAM uses the Keystone shape and message "Policy doesn't allow %(actions)s to be
/// performed."; the codes of ECS (`Ecs.0319`), RMS, CFW and WAF were not found in a source
/// and follow each service's documented body shape.
pub(crate) fn permission_denied(service: &str, action: &str, request_id: &str) -> SimResponse {
    let msg = format!("Policy doesn't allow {action} to be performed.");
    match service {
        "iam" => keystone(403, "Forbidden", &msg, request_id),
        "ecs" => ecs(403, "Ecs.0319", &msg, request_id),
        "rms" => gateway(403, "RMS.00010002", &msg, request_id),
        "cfw" => gateway(403, "CFW.00109002", &msg, request_id),
        _ => gateway(403, "WAF.00011005", &msg, request_id),
    }
}

/// A 400 parameter error in the service's shape (codes unconfirmed, shapes as documented).
pub(crate) fn bad_parameter(service: &str, message: &str, request_id: &str) -> SimResponse {
    match service {
        "iam" => keystone(400, "Bad Request", message, request_id),
        "ecs" => ecs(400, "Ecs.0005", message, request_id),
        "rms" => gateway(400, "RMS.00010001", message, request_id),
        "cfw" => gateway(400, "CFW.00200005", message, request_id),
        _ => gateway(400, "WAF.00011001", message, request_id),
    }
}

/// A 404 for a missing resource in the service's shape.
pub(crate) fn not_found(service: &str, message: &str, request_id: &str) -> SimResponse {
    match service {
        "iam" => keystone(404, "Not Found", message, request_id),
        "ecs" => ecs(404, "Ecs.0114", message, request_id),
        "cfw" => gateway(400, "CFW.00200005", message, request_id),
        _ => gateway(404, "WAF.00014002", message, request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &SimResponse) -> serde_json::Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn gateway_errors_carry_code_message_and_request_id() {
        let r = unknown_ak("HWAKUNKNOWN", "rid-1");
        assert_eq!(r.status, 401);
        let b = body(&r);
        assert_eq!(b["error_code"], "APIGW.0301");
        assert!(b["error_msg"]
            .as_str()
            .unwrap()
            .contains("ak:HWAKUNKNOWN,err:ak not exist"));
        assert_eq!(b["request_id"], "rid-1");
        assert!(r
            .headers
            .iter()
            .any(|(k, v)| k == "X-Request-Id" && v == "rid-1"));
        assert_eq!(throttled("r").status, 429);
        assert_eq!(body(&throttled("r"))["error_code"], "APIGW.0308");
    }

    #[test]
    fn permission_errors_use_each_service_shape() {
        let iam = body(&permission_denied(
            "iam",
            "iam:credentials:getCredential",
            "r",
        ));
        assert_eq!(iam["error"]["code"], 403);
        assert_eq!(iam["error"]["title"], "Forbidden");
        assert_eq!(
            iam["error"]["message"],
            "Policy doesn't allow iam:credentials:getCredential to be performed."
        );
        let ecs = body(&permission_denied("ecs", "ecs:cloudServers:list", "r"));
        assert_eq!(ecs["error"]["code"], "Ecs.0319");
        let waf = permission_denied("waf", "waf:policy:list", "r");
        assert_eq!(waf.status, 403);
        assert!(body(&waf)["error_code"]
            .as_str()
            .unwrap()
            .starts_with("WAF."));
    }
}
