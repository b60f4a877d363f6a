//! CTyun answers: the product envelope `{statusCode 800|900, errorCode, error, message,
//! description, returnObj}` (HTTP 200 even for business failures) and the EOP gateway's own
//! errors `{statusCode "CTAPI_xxxxx", code, error, eopErrCode, message, requestId}` sent with a
//! non-2xx status, which the official Python client handles separately.

use serde_json::{json, Value};

use crate::sim::SimResponse;

fn with_ids(mut r: SimResponse, request_id: &str) -> SimResponse {
    r.headers = vec![
        (
            "Content-Type".into(),
            "application/json;charset=UTF-8".into(),
        ),
        ("x-trace-id".into(), request_id.to_string()),
    ];
    r
}

/// `statusCode: 800` with `returnObj`.
pub(crate) fn success(return_obj: Value, request_id: &str) -> SimResponse {
    with_ids(
        SimResponse::json(
            200,
            &json!({
                "statusCode": 800,
                "errorCode": "",
                "error": "",
                "message": "success",
                "description": "成功",
                "returnObj": return_obj,
            }),
        ),
        request_id,
    )
}

/// `statusCode: 900` business failure (HTTP 200).
pub(crate) fn failure(
    code: &str,
    message: &str,
    description: &str,
    request_id: &str,
) -> SimResponse {
    with_ids(
        SimResponse::json(
            200,
            &json!({
                "statusCode": 900,
                "errorCode": code,
                "error": code,
                "message": message,
                "description": description,
                "returnObj": null,
            }),
        ),
        request_id,
    )
}

/// `Openapi.Parameter.Error`.
pub(crate) fn bad_parameter(message: &str, request_id: &str) -> SimResponse {
    failure("Openapi.Parameter.Error", message, "参数错误", request_id)
}

/// `Openapi.RegionInfo.AccessFailed`: unknown pool, or one without OpenAPI access.
pub(crate) fn region_access_failed(region: &str, request_id: &str) -> SimResponse {
    failure(
        "Openapi.RegionInfo.AccessFailed",
        &format!("The region {region} does not exist or cannot be accessed."),
        "资源池ID不存在或无权访问",
        request_id,
    )
}

/// `CTIAM_0005`: the key's policy does not grant the call.
pub(crate) fn no_permission(request_id: &str) -> SimResponse {
    failure(
        "CTIAM_0005",
        "No permission to perform this operation.",
        "无权限，请联系管理员授权",
        request_id,
    )
}

/// An EOP gateway error with a non-2xx status.
pub(crate) fn gateway(status: u16, code: u32, message: &str, request_id: &str) -> SimResponse {
    with_ids(
        SimResponse::json(
            status,
            &json!({
                "requestId": request_id,
                "statusCode": format!("CTAPI_{code}"),
                "code": code.to_string(),
                "error": code.to_string(),
                "eopErrCode": code.to_string(),
                "message": message,
                "returnObj": {},
            }),
        ),
        request_id,
    )
}

/// `CTAPI_10009` "ctyun-EOP: signature verification failed" (bad signature, malformed
/// headers, or an `Eop-date` too far from the gateway's clock).
pub(crate) fn signature_failed(request_id: &str) -> SimResponse {
    gateway(
        401,
        10009,
        "ctyun-EOP: signature verification failed",
        request_id,
    )
}

/// `CTAPI_10002`: an AK the gateway does not accept (unknown or disabled).
pub(crate) fn invalid_ak(request_id: &str) -> SimResponse {
    gateway(401, 10002, "ctyun-EOP: invalid accessKey", request_id)
}

/// 429 from the gateway's flow control (code unconfirmed).
pub(crate) fn throttled(request_id: &str) -> SimResponse {
    gateway(
        429,
        10429,
        "ctyun-EOP: request rate limit exceeded",
        request_id,
    )
}

/// 500 from a product backend.
pub(crate) fn internal_error(request_id: &str) -> SimResponse {
    with_ids(
        SimResponse::json(
            500,
            &json!({
                "statusCode": 900,
                "errorCode": "Openapi.Service.Error",
                "error": "Openapi.Service.Error",
                "message": "Internal server error, please try again later.",
                "description": "服务内部错误",
                "returnObj": null,
            }),
        ),
        request_id,
    )
}

/// 404 from the gateway for a path no product serves.
pub(crate) fn no_such_api(request_id: &str) -> SimResponse {
    gateway(404, 10404, "ctyun-EOP: api not found", request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &SimResponse) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    #[test]
    fn envelopes() {
        let ok = body(&success(json!({"a": 1}), "r"));
        assert_eq!(ok["statusCode"], 800);
        assert_eq!(ok["returnObj"]["a"], 1);
        let denied = no_permission("r");
        assert_eq!(denied.status, 200);
        assert_eq!(body(&denied)["errorCode"], "CTIAM_0005");
        let sig = signature_failed("r");
        assert_eq!(sig.status, 401);
        assert_eq!(body(&sig)["statusCode"], "CTAPI_10009");
    }
}
