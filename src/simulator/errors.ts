/**
 * Errors the simulator answers with. Codes, HTTP statuses and messages are copied from the error-code appendix of the
 * OTC ModelArts API Reference and, for APIG.*, from the API Gateway FAQ pages. Note that
 * several "not found" conditions are 400s there, not 404s.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly msg: string,
    /** APIG (gateway) errors also carry `request_id` in the body. */
    readonly gateway = false,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${msg}`);
  }
}

const e = (status: number, code: string, msg: string) => () => new ApiError(status, code, msg);

export const Errors = {
  // Request shape
  badJson: e(400, 'ModelArts.4105', 'Incorrect JSON format of the input data.'),
  invalidRequest: e(400, 'ModelArts.4200', 'Invalid request.'),
  bodyTooLarge: e(413, 'ModelArts.4104', 'Invalid request body because the size exceeds the maximum size allowed.'),
  apiNotFound: (path: string) => new ApiError(404, 'ModelArts.4204', `API ${path} does not exist.`),

  // Datasets, exports, versions, imports
  datasetNotFound: e(400, 'ModelArts.4352', 'Dataset does not exist'),
  datasetExists: e(400, 'ModelArts.4351', 'Dataset already exists'),
  subdirRequired: e(400, 'ModelArts.4205', 'A subdirectory must be specified as the dataset input or output path.'),
  versionNotFound: e(400, 'ModelArts.4353', 'Dataset version does not exist'),
  exportTaskNotFound: e(400, 'ModelArts.4359', 'Export task does not exist'),
  invalidExportPath: e(400, 'ModelArts.4358', 'Invalid export path'),
  invalidExportParam: e(400, 'ModelArts.4384', 'Invalid export parameter'),
  publishing: e(400, 'ModelArts.4343', 'Dataset is publishing, the operation is forbidden'),
  versionTooSoon: e(400, 'ModelArts.4370', 'One dataset version can be released in a minute, please try again later'),
  versionExists: e(400, 'ModelArts.4371', 'Dataset version already exists'),
  importRunning: e(400, 'ModelArts.4356', 'Dataset already has running import task'),
  invalidImportParam: e(400, 'ModelArts.4396', 'Parameter is invalid'),
  obsPathInvalid: e(400, 'ModelArts.4313', 'OBS path is invalid'),
  obsPathDoubleSlash: e(400, 'ModelArts.4315', 'Invalid OBS path.'),

  // Intelligent tasks
  taskNotFound: e(400, 'ModelArts.4338', 'The resource not exists'),
  taskStopped: e(400, 'ModelArts.4393', 'Task stopped'),
  needsLabels: e(400, 'ModelArts.4405', 'Dataset must contains labels to start automation labeling'),
  needsFiveImages: e(
    400,
    'ModelArts.4406',
    'Dataset must contains labels with at least five images to start automation labeling',
  ),
  needsUnlabeled: e(400, 'ModelArts.4407', 'Dataset must contains unlabeled files'),
  tooManyClusters: e(400, 'ModelArts.4622', 'Invalid n_clusters, should less than the total number of samples'),
  autoLabelRunning: e(501, 'ModelArts.4386', 'Auto labeling task exist'),
  preLabelRunning: e(501, 'ModelArts.4387', 'Pre-label task exist'),

  // Auth (ModelArts side)
  tokenExpired: e(401, 'ModelArts.4127', 'Token authentication expired.'),
  tokenInvalid: e(401, 'ModelArts.4201', 'Invalid token.'),
  tokenWithoutProject: e(400, 'ModelArts.0204', 'Token must contain projectId info.'),
  projectInvalid: e(400, 'ModelArts.0210', 'Invalid project ID.'),
  projectMismatch: e(403, 'ModelArts.0210', 'The project id in the request URL does not match the token.'),
  /** The caller's IAM policies do not allow the call's action (appendix: 403 ModelArts.0108). */
  notAuthorized: (action: string) =>
    new ApiError(403, 'ModelArts.0108', `You are not authorized to perform the (${action}) operation.`),

  // Throttling and outages
  tooManyRequests: (path: string, retryAfter?: number) =>
    new ApiError(
      429,
      'ModelArts.4206',
      `Excessive number of requests to ${path}.`,
      false,
      retryAfterHeader(retryAfter),
    ),
  gatewayThrottled: (limit: number, retryAfter?: number) =>
    new ApiError(
      429,
      'APIG.0308',
      `The throttling threshold has been reached: policy ip over ratelimit,limit:${limit},time:1 minute`,
      true,
      retryAfterHeader(retryAfter),
    ),
  internal: e(500, 'ModelArts.0010', 'Internal error.'),
  unavailable: e(503, 'ModelArts.4700', 'Unavailable gateway.'),
};

/** APIG (gateway) authentication errors; wording from the HWC/OTC APIG FAQ pages. */
export const GatewayErrors = {
  noCredentials: () =>
    new ApiError(401, 'APIG.0301', 'Incorrect IAM authentication information: x-auth-token not found', true),
  badSignature: () =>
    new ApiError(401, 'APIG.0301', 'Incorrect IAM authentication information: verify aksk signature fail', true),
  unknownAccessKey: (ak: string) =>
    new ApiError(
      401,
      'APIG.0301',
      `Incorrect IAM authentication information: Get secretKey failed,ak:${ak},err:ak not exist`,
      true,
    ),
  signatureExpired: (signatureTime: string, serverTime: string) =>
    new ApiError(
      401,
      'APIG.0303',
      `Incorrect IAM authentication information: signature expired, signature time:${signatureTime},server time:${serverTime}`,
      true,
    ),
};

function retryAfterHeader(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'Retry-After': String(seconds) };
}
