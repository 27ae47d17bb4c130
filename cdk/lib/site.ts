import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledgeNag, skipCheckov } from './compliance';

/** The built dashboard (`web/dist`), or a placeholder page when it has not been built. */
export const WEB_DIST_DIR = path.join(__dirname, '..', '..', 'web', 'dist');
export const WEB_PLACEHOLDER_DIR = path.join(__dirname, '..', 'assets', 'web-placeholder');

export function webContentDir(): string {
  return fs.existsSync(path.join(WEB_DIST_DIR, 'index.html')) ? WEB_DIST_DIR : WEB_PLACEHOLDER_DIR;
}

export const DASHBOARD_CONFIG_FILE = 'config.json';

/** The dashboard's runtime configuration (docs/contracts.md, "The dashboard's runtime configuration"). */
export interface DashboardConfig {
  readonly apiBase: string;
  readonly auth: {
    /** The OIDC issuer: the dashboard reads its endpoints from its discovery document. */
    readonly authority: string;
    readonly clientId: string;
    readonly scopes: string[];
    /** Where sign-out goes when discovery names no standard end-session endpoint (Cognito's /logout). */
    readonly endSessionEndpoint?: string;
  } | null;
}

export interface SiteProps {
  readonly accessLogs: s3.IBucket;
  /** A custom domain and its ACM certificate (in us-east-1); without them, the CloudFront domain. */
  readonly domainName?: string;
  readonly certificateArn?: string;
  /** Origins the page may call besides its own: the API and the sign-in endpoints. */
  readonly connectSources: string[];
}

/**
 * The dashboard: a private bucket that only CloudFront can read (origin access control),
 * served over HTTPS with security headers, and deployed together with a `config.json` that
 * tells the page where the API and the sign-in pages are.
 */
export class Site extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://` plus the dashboard's host, without a trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: SiteProps) {
    super(scope, id);

    this.bucket = new s3.Bucket(this, 'Content', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'site/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      // The content is rebuilt from web/ on every deploy.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'zonetrail dashboard security headers',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        xssProtection: { protection: true, modeBlock: true, override: true },
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            `connect-src 'self' ${props.connectSources.join(' ')}`,
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "object-src 'none'",
          ].join('; '),
          override: true,
        },
      },
    });

    const certificate = props.certificateArn
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : undefined;

    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: 'zonetrail dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate,
      // Only a custom certificate lets the viewer TLS policy be chosen.
      minimumProtocolVersion: certificate
        ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
        : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      // The page routes on the client: unknown paths get the app, which shows its own 404.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(10),
      })),
    });
    this.url = `https://${props.domainName ?? this.distribution.distributionDomainName}`;

    acknowledgeNag(
      this.distribution,
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'An internal dashboard behind sign-in; where its users are is not ours to restrict. Add a geo restriction if policy asks for one.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves static files only; the data sits behind the API, which checks a JWT on every request. WAF would add a fixed monthly cost.',
      },
    );
    if (!certificate) {
      acknowledgeNag(this.distribution, {
        id: 'AwsSolutions-CFR4',
        reason:
          'With the default *.cloudfront.net certificate CloudFront fixes the viewer TLS policy; pass siteDomainName and siteCertificateArn to enforce TLS 1.2.',
      });
      skipCheckov(this.distribution, {
        id: 'CKV_AWS_174',
        reason:
          'With the default *.cloudfront.net certificate CloudFront fixes the viewer TLS policy; pass siteDomainName and siteCertificateArn to enforce TLS 1.2.',
      });
    }
    skipCheckov(this.distribution, {
      id: 'CKV_AWS_68',
      reason:
        'The distribution serves static files only; the data sits behind the API, which checks a JWT on every request. WAF would add a fixed monthly cost.',
    });
  }

  /** Upload the dashboard and its `config.json`, then invalidate the CDN's copy. */
  deployContent(config: DashboardConfig): s3deploy.BucketDeployment {
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        // The build's own config.json is the local one (same origin, no auth): ours replaces it.
        s3deploy.Source.asset(webContentDir(), { exclude: [DASHBOARD_CONFIG_FILE] }),
        s3deploy.Source.jsonData(DASHBOARD_CONFIG_FILE, config),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 512,
      // Browsers revalidate (ETag) so a deploy shows at once; CloudFront is invalidated above.
      cacheControl: [s3deploy.CacheControl.noCache()],
    });
    return deployment;
  }
}

/** Origins the dashboard calls in the browser, without naming resources (no dependency cycle). */
export function dashboardConnectSources(region: string, extra: string[] = []): string[] {
  const sources = [
    `https://*.execute-api.${region}.amazonaws.com`,
    `https://cognito-idp.${region}.amazonaws.com`,
    `https://*.auth.${region}.amazoncognito.com`,
    ...extra,
  ];
  return [...new Set(sources)];
}
