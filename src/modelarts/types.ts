/**
 * ModelArts "Data Management (Old Version)" v2 wire types, field by field from the Open Telekom Cloud ModelArts API
 * Reference (Data Management: export, intelligent, version and import tasks, datasets). Names are snake_case exactly
 * as on the wire. Shared by the client and
 * the simulator, so this file holds types and constant tables only (no I/O, no zod).
 *
 * Response fields are optional unless the docs' examples always carry them: the service omits fields freely
 * (e.g. sample counts while an export is RUNNING).
 */

// ---------------------------------------------------------------------------------------------------------------
// Shared enums and constant tables
// ---------------------------------------------------------------------------------------------------------------

/** The 13 documented sample states, in documentation order. `__ALL__` means "labeled", not "everything". */
export const SAMPLE_STATES = [
  '__ALL__',
  '__NONE__',
  '__UNCHECK__',
  '__ACCEPTED__',
  '__REJECTED__',
  '__UNREVIEWED__',
  '__REVIEWED__',
  '__WORKFORCE_SAMPLED__',
  '__WORKFORCE_SAMPLED_UNCHECK__',
  '__WORKFORCE_SAMPLED_CHECKED__',
  '__WORKFORCE_SAMPLED_ACCEPTED__',
  '__WORKFORCE_SAMPLED_REJECTED__',
  '__AUTO_ANNOTATION__',
] as const;
export type SampleState = (typeof SAMPLE_STATES)[number];

/** 0 labeled, 1 unlabeled, 2 all, 3 conditional search. */
export const EXPORT_TYPES = [0, 1, 2, 3] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

/** 1 tree (`rabbits/1.jpg`), 2 tile (`1.jpg, 1.txt`). */
export const EXPORT_FORMATS = [1, 2] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const ANNOTATION_FORMATS = ['VOC', 'COCO'] as const;
export type AnnotationFormat = (typeof ANNOTATION_FORMATS)[number];

/** `CarbonData` is for table datasets only. */
export const VERSION_FORMATS = ['Default', 'CarbonData', 'CSV'] as const;
export type VersionFormat = (typeof VERSION_FORMATS)[number];

/** The version list filter uses integers for the same formats: 0 Default, 1 CarbonData, 2 CSV. */
export const VERSION_FORMAT_CODES: Record<VersionFormat, number> = { Default: 0, CarbonData: 1, CSV: 2 };

export const EXPORT_DESTS = ['DIR', 'NEW_DATASET'] as const;
export type ExportDest = (typeof EXPORT_DESTS)[number];

/**
 * The spelling `SUCCESSED` is the service's own. The API page documents the first four; an earlier official model
 * also lists `STOPPING` and `STOPPED`, so a client must expect them (and, defensively, anything else).
 */
export const EXPORT_STATUSES = ['INIT', 'RUNNING', 'SUCCESSED', 'FAILED', 'STOPPING', 'STOPPED'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

export const TASK_TYPES = ['auto-label', 'pre-label', 'auto-grouping'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Intelligent-task status integers (exact table from the docs); which are terminal is in src/polling/status.ts. */
export const INTELLIGENT_TASK_STATUS = {
  QUEUING: -1,
  INITIALIZING: 0,
  RUNNING: 1,
  FAILED: 2,
  SUCCEEDED: 3,
  STOPPING: 4,
  STOPPED: 5,
} as const;
export type IntelligentTaskStatus = (typeof INTELLIGENT_TASK_STATUS)[keyof typeof INTELLIGENT_TASK_STATUS];
export const INTELLIGENT_TASK_STATUS_NAMES: Record<IntelligentTaskStatus, string> = {
  [-1]: 'queuing',
  0: 'initializing',
  1: 'running',
  2: 'failed',
  3: 'succeeded',
  4: 'stopping',
  5: 'stopped',
};

export const IMPORT_STATUSES = ['QUEUING', 'STARTING', 'RUNNING', 'COMPLETED', 'FAILED', 'NOT_EXIST'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const IMPORT_TYPES = ['dir', 'manifest'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export const IMPORT_ORIGINS = ['obs', 'dws', 'dli', 'rds', 'mrs', 'inference'] as const;
export type ImportOrigin = (typeof IMPORT_ORIGINS)[number];

/** Dataset status integers. */
export const DATASET_STATUS_NAMES: Record<number, string> = {
  0: 'creating',
  1: 'normal',
  2: 'deleting',
  3: 'deleted',
  4: 'abnormal',
  5: 'synchronizing',
  6: 'releasing',
  7: 'version switching',
  8: 'importing',
};

/** Dataset version status integers: 1 ("running") means normal / usable. */
export const VERSION_STATUS_NAMES: Record<number, string> = {
  0: 'creating',
  1: 'running',
  2: 'deleting',
  3: 'deleted',
  4: 'error',
};

/** `running_task_type` for GET dataset with `check_running_task=true`. */
export const RUNNING_TASK_TYPES = {
  AUTO_LABELING: 0,
  PRE_LABELING: 1,
  EXPORT: 2,
  VERSION_SWITCH: 3,
  MANIFEST_EXPORT: 4,
  MANIFEST_IMPORT: 5,
  VERSION_PUBLISHING: 6,
  AUTO_GROUPING: 7,
} as const;

/** Dataset and label types: 0 image classification … 400 table, 600 video, 900 custom. */
export const DATASET_TYPES = [0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900] as const;
export const LABEL_TYPES = [0, 1, 3, 100, 101, 102, 103, 200, 201, 202, 600] as const;

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** `{"error_code":"ModelArts.4352","error_msg":"..."}`; APIG errors add `request_id`. */
export interface ErrorBody {
  error_code: string;
  error_msg: string;
  request_id?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Export tasks
// ---------------------------------------------------------------------------------------------------------------

export interface SearchLabel {
  name?: string;
  /** Label type, see LABEL_TYPES. */
  type?: number;
  property?: Record<string, string[]>;
  /** Between the attributes of this label. */
  op?: 'AND' | 'OR';
}

export interface SearchLabels {
  labels?: SearchLabel[];
  /** Required when more than one label is given. */
  op?: 'AND' | 'OR';
}

export interface SearchProp {
  op?: 'AND' | 'OR';
  props?: Record<string, string[]>;
}

/** Conditions in one `search_conditions` array are combined with OR. */
export interface SearchCondition {
  coefficient?: string;
  frame_in_video?: number;
  /** `"0"` not hard, `"1"` hard. */
  hard?: string;
  import_origin?: string;
  kvp?: string;
  label_list?: SearchLabels;
  labeler?: string;
  metadata?: SearchProp;
  parent_sample_id?: string;
  /** Must end with `/`. */
  sample_dir?: string;
  sample_name?: string;
  /** `month`, `day` or `yyyyMMdd-yyyyMMdd`. */
  sample_time?: string;
  score?: string;
  slice_thickness?: string;
  study_date?: string;
  time_in_video?: string;
}

/** ExportParams as sent: `train_sample_ratio` is a string ("0.00".."1.00"). */
export interface ExportParams {
  /** Default `DIR`. */
  export_dest?: ExportDest;
  /** Required with `NEW_DATASET`. */
  export_new_dataset_name?: string;
  /** Required with `NEW_DATASET`. */
  export_new_dataset_work_path?: string;
  export_dataset_version_name?: string;
  export_dataset_version_format?: string;
  /** The docs' examples send `""` as well as the enum values. */
  sample_state?: SampleState | '';
  samples?: string[];
  search_conditions?: SearchCondition[];
  /** Default true. */
  clear_hard_property?: boolean;
  /** Default false. */
  ratio_sample_usage?: boolean;
  /** Default "1.00". */
  train_sample_ratio?: string;
}

/** ExportParams as echoed back by the service: `train_sample_ratio` comes back as a number (`1.0`). */
export interface ExportParamsEcho extends Omit<ExportParams, 'train_sample_ratio'> {
  train_sample_ratio?: number;
  /** Undocumented, seen in a list example. */
  clear_difficult?: boolean;
}

export interface CreateExportTaskRequest {
  /** OBS output path (`/bucket/dir/`, `obs://…`, `s3://…`). Required in practice. */
  path: string;
  export_type?: ExportType;
  export_format?: ExportFormat;
  annotation_format?: AnnotationFormat;
  version_format?: VersionFormat;
  /** Export a specific dataset version. */
  version_id?: string;
  sample_state?: SampleState | '';
  /** Prefix of OBS paths in the manifest; default `obs://`. */
  source_type_header?: string;
  /** CSV header line for table datasets; default true. */
  with_column_header?: boolean;
  export_params?: ExportParams;
}

export interface CreateTaskResponse {
  task_id: string;
}

/** ExportTaskStatusResp. */
export interface ExportTask {
  task_id: string;
  status: ExportStatus;
  /** Percent, 0.0–100.0. */
  progress: number;
  path?: string;
  export_type?: ExportType;
  export_format?: ExportFormat;
  annotation_format?: AnnotationFormat;
  version_format?: VersionFormat;
  version_id?: string;
  export_params?: ExportParamsEcho;
  /** Absent while RUNNING in the docs' example. */
  total_sample_count?: number;
  finished_sample_count?: number;
  /** Set on failure only. */
  error_code?: string;
  error_msg?: string;
  /** Epoch milliseconds. */
  create_time: number;
  update_time: number;
}

export interface ListExportTasksQuery {
  export_type?: ExportType;
  /** 1–100, default 10. */
  limit?: number;
  /** Page index, default 0. */
  offset?: number;
}

export interface ListExportTasksResponse {
  total_count: number;
  export_tasks: ExportTask[];
}

// ---------------------------------------------------------------------------------------------------------------
// Intelligent tasks (auto labeling, pre-labeling, auto grouping)
// ---------------------------------------------------------------------------------------------------------------

export interface Flavor {
  code?: string;
}

export interface InfConfig {
  model_id?: string;
  specification?: string;
  instance_count?: number;
  weight?: number;
  envs?: Record<string, string>;
}

export interface TrainingParameter {
  label?: string;
  value?: string;
}

export interface SampleLabel {
  annotated_by?: string;
  id?: string;
  name?: string;
  /** Keys like `@modelarts:hard`. */
  property?: Record<string, unknown>;
  score?: number;
  type?: number;
}

export interface SampleLabels {
  labels?: SampleLabel[];
  /** Keys like `@modelarts:import_origin`. */
  metadata?: Record<string, unknown>;
  sample_id?: string;
  /** 0 image, 1 text, 2 audio, 4 table, 6 video, 9 free format. */
  sample_type?: number;
  sample_usage?: 'TRAIN' | 'EVAL' | 'TEST' | 'INFERENCE';
  source?: string;
  worker_id?: string;
}

export interface SmartTaskConfig {
  algorithm_type?: 'fast' | 'accurate';
  ambiguity?: boolean;
  annotation_output?: string;
  /** Only `all` is available. */
  collect_rule?: string;
  /** Default true. */
  collect_sample?: boolean;
  /** e.g. `"0.10-0.90"`. */
  confidence_scope?: string;
  description?: string;
  engine_name?: string;
  export_format?: ExportFormat;
  export_params?: ExportParams;
  flavor?: Flavor;
  image_brightness?: boolean;
  image_colorfulness?: boolean;
  inf_cluster_id?: string;
  inf_config_list?: InfConfig[];
  inf_output?: string;
  infer_result_output_dir?: string;
  key_sample_output?: string;
  log_url?: string;
  manifest_path?: string;
  model_id?: string;
  model_name?: string;
  model_parameter?: string;
  model_version?: string;
  /** Documented as int; the docs' own auto-grouping example sends `"2"`, so both are accepted. */
  n_clusters?: number | string;
  name?: string;
  output_dir?: string;
  parameters?: TrainingParameter[];
  pool_id?: string;
  property?: string;
  req_uri?: string;
  /** Auto grouping: 0 save to OBS, 1 save to samples. */
  result_type?: 0 | 1;
  samples?: SampleLabels[];
  /** Minutes, default 15 (video only). */
  stop_time?: number;
  time?: string;
  train_data_path?: string;
  train_url?: string;
  version_format?: VersionFormat;
  worker_server_num?: number;
}

export interface StartTaskRequest {
  task_type: TaskType;
  /** Used by pre-label. */
  model_id?: string;
  /** Default false. */
  collect_key_sample?: boolean;
  config?: SmartTaskConfig;
}

export interface TaskEvent {
  create_time?: number;
  description?: string;
  elapsed_time?: number;
  error_code?: string;
  error_message?: string;
  events?: TaskEvent[];
  level?: number;
  name?: string;
  ordinal?: number;
  parent_name?: string;
  status?: string;
}

export interface HardSelectTask {
  create_at?: number;
  dataset_id?: string;
  dataset_name?: string;
  hard_select_task_id?: string;
  task_status?: string;
  time?: number;
  update_at?: number;
}

export interface TaskResult {
  annotated_sample_count?: number;
  confidence_scope?: string;
  dataset_name?: string;
  /** A string in this object, unlike elsewhere. */
  dataset_type?: string;
  description?: string;
  dlf_model_job_name?: string;
  dlf_service_job_name?: string;
  dlf_train_job_name?: string;
  events?: TaskEvent[];
  hard_example_path?: string;
  hard_select_tasks?: HardSelectTask[];
  manifest_path?: string;
  model_id?: string;
  model_name?: string;
  model_version?: string;
  samples?: SampleLabels[];
  service_id?: string;
  service_name?: string;
  service_resource?: string;
  total_sample_count?: number;
  train_data_path?: string;
  train_job_id?: string;
  train_job_name?: string;
  unconfirmed_sample_count?: number;
  version_id?: string;
  version_name?: string;
  workspace_id?: string;
}

/** GET .../tasks/{task_id}. */
export interface IntelligentTask {
  task_id?: string;
  task_name?: string;
  /** The dataset id. */
  resource_id?: string;
  /** See INTELLIGENT_TASK_STATUS. */
  status: IntelligentTaskStatus;
  progress?: number;
  message?: string;
  /** Informational code such as `ModelArts.4902`, not an error. */
  code?: string;
  error_code?: string;
  error_msg?: string;
  error_detail?: string;
  /**
   * A STRING here, e.g. `"2020-11-23 11:08:20"` (unlike the epoch-ms times elsewhere); epoch ms is accepted too
   * (src/modelarts/answers.ts).
   */
  create_time?: string | number;
  elapsed_time?: number;
  /** 0 export to OBS, 1 export to sample attributes. */
  export_type?: number;
  config?: SmartTaskConfig;
  result?: TaskResult;
}

/** An item of GET .../tasks. `type` is an int (0 auto-label, 1 pre-label seen in examples; 2 auto-grouping guessed). */
export interface RunningTask {
  task_id: string;
  task_name?: string;
  dataset_id?: string;
  type?: number;
  status: IntelligentTaskStatus;
  code?: string;
  message?: string;
  /** As IntelligentTask's. */
  create_time?: string | number;
  elapsed_time?: number;
  progress?: number;
  total_sample_count?: number;
  annotated_sample_count?: number;
  unconfirmed_sample_count?: number;
  model_id?: string;
  model_name?: string;
  model_version?: string;
  config?: SmartTaskConfig;
  result?: TaskResult;
  error_code?: string;
  error_msg?: string;
  error_detail?: string;
}

export interface ListTasksQuery {
  /** 1–100, default 10. */
  limit?: number;
  /** Page index, default 0. */
  offset?: number;
  task_name?: string;
  /** Omitted: auto-label and pre-label tasks. */
  type?: TaskType;
}

export interface ListTasksResponse {
  tasks: RunningTask[];
  total_count: number;
  exist_running_deploy_task?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Datasets
// ---------------------------------------------------------------------------------------------------------------

export interface SchemaMap {
  dest_name?: string;
  src_name?: string;
}

export interface SourceInfo {
  cluster_id?: string;
  cluster_mode?: string;
  cluster_name?: string;
  database_name?: string;
  input?: string;
  ip?: string;
  port?: string;
  queue_name?: string;
  subnet_id?: string;
  table_name?: string;
  user_name?: string;
  user_password?: string;
  vpc_id?: string;
}

export interface DataSource {
  data_path?: string;
  /** 0 OBS (default), 1 DWS, 2 DLI, 3 RDS, 4 MRS, 5 AI Gallery, 6 inference service. */
  data_type?: number;
  schema_maps?: SchemaMap[];
  source_info?: SourceInfo;
  with_column_header?: boolean;
}

export interface LabelAttributeValue {
  id?: string;
  value?: string;
}

export interface LabelAttribute {
  default_value?: string;
  id?: string;
  name?: string;
  type?: 'text' | 'select';
  values?: LabelAttributeValue[];
}

export interface Label {
  attributes?: LabelAttribute[];
  name?: string;
  /** Keys like `@modelarts:color`. */
  property?: Record<string, string>;
  type?: number;
}

export interface SchemaField {
  description?: string;
  name?: string;
  schema_id?: number;
  type?: string;
}

export interface LabelStats {
  attributes?: LabelAttribute[];
  count?: number;
  name?: string;
  property?: Record<string, string>;
  sample_count?: number;
  type?: number;
}

export interface Worker {
  create_time?: number;
  description?: string;
  email?: string;
  role?: number;
  status?: number;
  update_time?: number;
  worker_id?: string;
  workforce_id?: string;
}

export interface WorkforceDescriptor {
  current_task_id?: string;
  current_task_name?: string;
  reject_num?: number;
  repetition?: number;
  is_synchronize_auto_labeling_data?: boolean;
  is_synchronize_data?: boolean;
  workers?: Worker[];
  workforce_id?: string;
  workforce_name?: string;
}

export interface DatasetVersion {
  version_id: string;
  version_name?: string;
  /** 0 creating, 1 running (normal), 2 deleting, 3 deleted, 4 error. */
  status?: number;
  add_sample_count?: number;
  analysis_cache_path?: string;
  analysis_status?: number;
  analysis_task_id?: string;
  annotated_sample_count?: number;
  annotated_sub_sample_count?: number;
  clear_hard_property?: boolean;
  code?: string;
  crop?: boolean;
  crop_path?: string;
  crop_rotate_cache_path?: string;
  data_analysis?: Record<string, unknown>;
  data_path?: string;
  data_statistics?: Record<string, unknown>;
  data_validate?: boolean;
  deleted_sample_count?: number;
  deletion_stats?: Record<string, number>;
  description?: string;
  export_images?: boolean;
  extract_serial_number?: boolean;
  include_dataset_data?: boolean;
  is_current?: boolean;
  label_stats?: LabelStats[];
  label_type?: 'multi' | 'single';
  manifest_cache_input_path?: string;
  manifest_path?: string;
  message?: string;
  modified_sample_count?: number;
  previous_annotated_sample_count?: number;
  previous_total_sample_count?: number;
  previous_version_id?: string;
  processor_task_id?: string;
  processor_task_status?: number;
  remove_sample_usage?: boolean;
  rotate?: boolean;
  rotate_path?: string;
  sample_state?: string;
  start_processor_task?: boolean;
  tags?: string[];
  task_type?: number;
  total_sample_count?: number;
  total_sub_sample_count?: number;
  train_evaluate_sample_ratio?: string;
  version_format?: VersionFormat;
  with_column_header?: boolean;
  /** Epoch milliseconds. */
  create_time?: number;
  update_time?: number;
}

export interface Dataset {
  dataset_id: string;
  dataset_name: string;
  /** 0 creating, 1 normal, 2 deleting, 3 deleted, 4 abnormal, 5 synchronizing, 6 releasing, 7 switching, 8 importing. */
  status: number;
  dataset_type?: number;
  /** 0 file, 1 table. */
  dataset_format?: number;
  data_format?: string;
  description?: string;
  annotated_sample_count?: number;
  annotated_sub_sample_count?: number;
  content_labeling?: boolean;
  current_version_id?: string;
  current_version_name?: string;
  data_sources?: DataSource[];
  data_statistics?: Record<string, unknown>;
  data_update_time?: number;
  dataset_tags?: string[];
  dataset_version_count?: number;
  deleted_sample_count?: number;
  deletion_stats?: Record<string, number>;
  enterprise_project_id?: string;
  /** Filled with `check_running_task=true`. */
  exist_running_task?: boolean;
  exist_workforce_task?: boolean;
  feature_supports?: string[];
  import_data?: boolean;
  import_task_id?: string;
  inner_annotation_path?: string;
  inner_data_path?: string;
  inner_log_path?: string;
  inner_task_path?: string;
  inner_temp_path?: string;
  inner_work_path?: string;
  label_task_count?: number;
  labels?: Label[];
  loading_sample_count?: number;
  managed?: boolean;
  next_version_num?: number;
  /** Filled with `check_running_task=true`. */
  running_tasks_id?: string[];
  schema?: SchemaField[];
  third_path?: string;
  total_sample_count?: number;
  total_sub_sample_count?: number;
  unconfirmed_sample_count?: number;
  versions?: DatasetVersion[];
  work_path?: string;
  /** 0 = OBS. */
  work_path_type?: number;
  workforce_descriptor?: WorkforceDescriptor;
  workforce_task_count?: number;
  workspace_id?: string;
  /** Epoch milliseconds. */
  create_time?: number;
  update_time?: number;
}

export interface GetDatasetQuery {
  check_running_task?: boolean;
  /** See RUNNING_TASK_TYPES. */
  running_task_type?: number;
}

export interface ListDatasetsQuery {
  /** Fuzzy match on the dataset name. */
  search_content?: string;
  dataset_type?: number;
  check_running_task?: boolean;
  contain_versions?: boolean;
  file_preview?: boolean;
  /** Page index, default 0. */
  offset?: number;
  /** 1–100, default 10. */
  limit?: number;
}

export interface ListDatasetsResponse {
  total_number: number;
  datasets: Dataset[];
}

// ---------------------------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------------------------

export interface CreateVersionRequest {
  /** 1–32 characters `[A-Za-z0-9_-]`; the service generates `V001`… when omitted. */
  version_name?: string;
  version_format?: VersionFormat;
  /** 0–256 characters. */
  description?: string;
  /** Default true. */
  clear_hard_property?: boolean;
  /** Default false. */
  export_images?: boolean;
  /** Default true. */
  remove_sample_usage?: boolean;
  /** String, default "1.00". */
  train_evaluate_sample_ratio?: string;
  with_column_header?: boolean;
}

export interface CreateVersionResponse {
  version_id: string;
}

export interface ListVersionsQuery {
  status?: number;
  /** e.g. `0.0,1.0`. */
  train_evaluate_ratio?: string;
  /** An INT here: 0 Default, 1 CarbonData, 2 CSV. */
  version_format?: number;
  /** Page index, default 0. */
  offset?: number;
  /** 1–1000, default 1000. */
  limit?: number;
}

export interface ListVersionsResponse {
  total_number: number;
  versions: DatasetVersion[];
}

// ---------------------------------------------------------------------------------------------------------------
// Import tasks
// ---------------------------------------------------------------------------------------------------------------

export interface LabelFormat {
  label_type?: string;
  text_label_separator?: string;
  text_sample_separator?: string;
}

export interface CreateImportTaskRequest {
  /** OBS directory or manifest file. */
  import_path: string;
  /** A STRING on create (`dir` | `manifest`), an int in responses. */
  import_type?: ImportType;
  /** Default `obs`. */
  import_origin?: ImportOrigin;
  /** Default true. */
  import_annotations?: boolean;
  /** Default true. */
  import_samples?: boolean;
  /** Default true. */
  final_annotation?: boolean;
  /** Default false. */
  difficult_only?: boolean;
  included_labels?: Label[];
  excluded_labels?: Label[];
  import_folder?: string;
  label_format?: LabelFormat;
  data_source?: DataSource;
  with_column_header?: boolean;
}

export interface FileCopyProgress {
  file_num_finished?: number;
  file_num_total?: number;
  file_size_finished?: number;
  file_size_total?: number;
}

export interface ImportTask {
  task_id: string;
  status: ImportStatus;
  dataset_id?: string;
  import_path?: string;
  /** An INT in responses: 0 directory, 1 manifest. */
  import_type?: number;
  data_source?: DataSource;
  total_sample_count?: number;
  imported_sample_count?: number;
  imported_sub_sample_count?: number;
  annotated_sample_count?: number;
  unconfirmed_sample_count?: number;
  total_sub_sample_count?: number;
  total_file_count?: number;
  finished_file_count?: number;
  total_file_size?: number;
  finished_file_size?: number;
  file_statistics?: FileCopyProgress;
  processor_task_id?: string;
  processor_task_status?: number;
  error_code?: string;
  error_msg?: string;
  /** Epoch milliseconds. */
  create_time?: number;
  /** Epoch milliseconds; note the name: `update_ms`, not `update_time`. */
  update_ms?: number;
  /** Seconds. */
  elapsed_time?: number;
}

export interface ListImportTasksQuery {
  /** 1–100, default 10. */
  limit?: number;
  /** Page index, default 0. */
  offset?: number;
}

export interface ListImportTasksResponse {
  import_tasks: ImportTask[];
  total_count: number;
}

// ---------------------------------------------------------------------------------------------------------------
// IAM (Keystone v3 password token)
// ---------------------------------------------------------------------------------------------------------------

/** Body of `POST {iam}/v3/auth/tokens`, project-scoped by name. */
export interface IamPasswordTokenRequest {
  auth: {
    identity: {
      methods: ['password'];
      password: { user: { name: string; password: string; domain: { name: string } } };
    };
    scope: { project: { name: string } | { id: string } };
  };
}

export interface IamNamedRef {
  id: string;
  name: string;
}

/** 201 body; the token itself is in the `X-Subject-Token` response header. */
export interface IamTokenResponse {
  token: {
    /** ISO 8601, e.g. `2015-11-09T01:42:57.527363Z`. */
    expires_at: string;
    issued_at?: string;
    methods?: string[];
    project?: IamNamedRef & { domain?: IamNamedRef };
    user?: IamNamedRef & { domain?: IamNamedRef; password_expires_at?: string };
    roles?: IamNamedRef[];
    catalog?: unknown[];
  };
}
