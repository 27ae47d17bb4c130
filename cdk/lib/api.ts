import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AuthSettings } from './auth';
import { acknowledgeNag } from './compliance';

/** The only routes that write (issue 21): an editor's annotation of a record set or a zone. */
export const ANNOTATION_PATHS = [
  '/api/records/{id}/annotation',
  '/api/zones/{id}/annotation',
] as const;

export interface ApiProps {
  readonly handler: lambda.IFunction;
  readonly auth: AuthSettings;
  /** The dashboard's origin, the only one CORS lets call the API from a browser. */
  readonly corsOrigin: string;
  readonly logRetentionDays: number;
}

/**
 * The API: an HTTP API whose `/api/*` routes require a JWT from the dashboard's identity
 * provider and go to the api Lambda (payload v2, served by `lambda_http` + axum): GET on every
 * route, PUT and DELETE on the annotation routes ({@link ANNOTATION_PATHS}) only. `/healthz`
 * answers without a token, for probes. Every request is access-logged.
 */
export class Api extends Construct {
  readonly httpApi: apigwv2.HttpApi;
  /** `https://ID.execute-api.REGION.amazonaws.com`, the dashboard's `apiBase`. */
  readonly url: string;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    const authorizer = new HttpJwtAuthorizer('Jwt', props.auth.issuer, {
      jwtAudience: props.auth.audience,
    });
    const integration = new HttpLambdaIntegration('ApiLambda', props.handler);

    this.httpApi = new apigwv2.HttpApi(this, 'Http', {
      description: 'zonetrail API: the inventory, and annotations by editors',
      createDefaultStage: false,
      // API Gateway answers the browser's preflight itself, before any authorizer runs.
      corsPreflight: {
        allowOrigins: [props.corsOrigin],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.DELETE,
          apigwv2.CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: false,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });

    // Reads: GET on every /api route (`/api/me` included).
    this.httpApi.addRoutes({
      path: '/api/{proxy+}',
      methods: [apigwv2.HttpMethod.GET],
      integration,
      authorizer,
    });
    // Writes: annotations only, each route behind the same authorizer. Whether the caller is an
    // editor is the api's to decide, from the token's claims (ZONETRAIL_EDITOR_CLAIM and
    // ZONETRAIL_EDITOR_VALUE); API Gateway answers any other method or path with 404 itself.
    for (const path of ANNOTATION_PATHS) {
      this.httpApi.addRoutes({
        path,
        methods: [apigwv2.HttpMethod.PUT, apigwv2.HttpMethod.DELETE],
        integration,
        authorizer,
      });
    }
    const health = this.httpApi.addRoutes({
      path: '/healthz',
      methods: [apigwv2.HttpMethod.GET],
      integration,
    });
    for (const route of health) {
      acknowledgeNag(route, {
        id: 'AwsSolutions-APIG4',
        reason: '/healthz is the unauthenticated liveness probe; it reveals nothing but "ok".',
      });
    }

    this.url = this.httpApi.apiEndpoint;
  }
}
