import * as path from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RustFunction } from 'cargo-lambda-cdk';
import type { Construct } from 'constructs';
import type { LambdaCodeSource } from './config';

/** The workspace manifest: cargo-lambda builds `--bin NAME` from the workspace root. */
export const WORKSPACE_MANIFEST = path.join(__dirname, '..', '..', 'Cargo.toml');

/** A stub `bootstrap` for synth-only checks (`-c lambdaCode=placeholder`): it only fails. */
export const PLACEHOLDER_CODE_DIR = path.join(__dirname, '..', 'assets', 'lambda-placeholder');

/** The binaries of docs/contracts.md, "Lambda binaries". */
export type ZonetrailBinary = 'ingest-lambda' | 'writer-lambda' | 'api-lambda' | 'migrate-lambda';

export interface ZonetrailFunctionProps {
  readonly binaryName: ZonetrailBinary;
  readonly description: string;
  readonly code: LambdaCodeSource;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetentionDays: number;
  /** Network placement: functions that talk to the database run in the VPC. */
  readonly vpc?: lambda.FunctionOptions['vpc'];
  readonly vpcSubnets?: lambda.FunctionOptions['vpcSubnets'];
}

/**
 * One zonetrail Lambda: arm64, `provided.al2023`, JSON logs in a log group of its own.
 * Built by cargo-lambda from the workspace at synth time, unless `code` is `placeholder`.
 */
export function zonetrailFunction(
  scope: Construct,
  id: string,
  props: ZonetrailFunctionProps,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const options: lambda.FunctionOptions = {
    description: props.description,
    architecture: lambda.Architecture.ARM_64,
    environment: props.environment,
    timeout: props.timeout,
    memorySize: props.memorySize,
    logGroup,
    // Sets AWS_LAMBDA_LOG_FORMAT=JSON, which lambda_runtime's tracing subscriber honours.
    loggingFormat: lambda.LoggingFormat.JSON,
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    // In-VPC functions get a security group that only opens what `connections` grants.
    allowAllOutbound: props.vpc ? false : undefined,
  };
  if (props.code === 'placeholder') {
    return new lambda.Function(scope, id, {
      ...options,
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(PLACEHOLDER_CODE_DIR),
    });
  }
  return new RustFunction(scope, id, {
    ...options,
    runtime: 'provided.al2023',
    manifestPath: WORKSPACE_MANIFEST,
    binaryName: props.binaryName,
    bundling: { architecture: lambda.Architecture.ARM_64 },
  });
}

/** Add `env` to a function's environment (for variables set after it is created). */
export function addEnvironment(fn: lambda.Function, env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) fn.addEnvironment(k, v);
}
