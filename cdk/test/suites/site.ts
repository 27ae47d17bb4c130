import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { WEB_DIST_DIR, WEB_PLACEHOLDER_DIR, webContentDir } from '../../lib/site';
import { refTarget, resourceByPrefix, synth } from '../helpers';

describe('dashboard site', () => {
  const { template, app } = synth();

  it('keeps the content in a private, encrypted, TLS-only, access-logged bucket', () => {
    const [bucketId, bucket] = resourceByPrefix(template, 'AWS::S3::Bucket', 'SiteContent');
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.equal(
      bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
        .ServerSideEncryptionByDefault.SSEAlgorithm,
      'AES256',
    );
    assert.ok(
      refTarget(bucket.Properties.LoggingConfiguration.DestinationBucketName)!.startsWith(
        'AccessLogs',
      ),
    );
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => refTarget(p.Properties.Bucket) === bucketId,
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    assert.ok(
      statements.some(
        (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      ),
    );
    const reads = statements.filter(
      (s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudfront.amazonaws.com',
    );
    assert.equal(reads.length, 1, 'CloudFront (origin access control) is the only reader');
    assert.equal(reads[0].Action, 's3:GetObject');
    const [distId] = resourceByPrefix(template, 'AWS::CloudFront::Distribution', 'SiteCdn');
    assert.ok(JSON.stringify(reads[0].Condition).includes(distId), 'only this distribution');
    assert.ok(
      !statements.some((s) => s.Effect === 'Allow' && s.Principal === '*'),
      'nothing public',
    );
  });

  it('serves over HTTPS through origin access control, with security headers and logs', () => {
    const [, dist] = resourceByPrefix(template, 'AWS::CloudFront::Distribution', 'SiteCdn');
    const cfg = dist.Properties.DistributionConfig;
    assert.ok(cfg.Origins[0].OriginAccessControlId, 'origin access control');
    assert.deepEqual(cfg.Origins[0].S3OriginConfig, { OriginAccessIdentity: '' }, 'no legacy OAI');
    assert.equal(cfg.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(cfg.DefaultRootObject, 'index.html');
    assert.ok(refTarget(cfg.Logging.Bucket)!.startsWith('AccessLogs'));
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp(
              "default-src 'self'.*connect-src 'self' https://\\*\\.execute-api\\.eu-west-1\\.amazonaws\\.com",
            ),
          }),
        }),
      },
    });
  });

  it('enforces TLS 1.2 when a custom domain and certificate are given', () => {
    const { template: t } = synth({
      siteDomainName: 'zonetrail.example.com',
      siteCertificateArn:
        'arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    });
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['zonetrail.example.com'],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
      }),
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://zonetrail.example.com'] }),
    });
  });

  /** The deployed config.json, with each deploy-time value shown as `{LogicalId}`. */
  function dashboardConfig(t: typeof template, outdir: string): any {
    const [, deploy] = resourceByPrefix(t, 'Custom::CDKBucketDeployment', 'SiteDeploy');
    const p = deploy.Properties;
    // config.json is an asset whose deploy-time values are markers, filled in by the deployment.
    const configAsset = path.join(
      outdir,
      `asset.${p.SourceObjectKeys[1].replace(/\.zip$/, '')}`,
      'config.json',
    );
    const raw = fs.readFileSync(configAsset, 'utf8');
    const markers: Record<string, any> = p.SourceMarkers[1] ?? {};
    return JSON.parse(raw.replace(/<<marker:0xbaba:\d+>>/g, (m) => `{${refTarget(markers[m])}}`));
  }

  it('deploys the site with a config.json naming the API and the sign-in settings', () => {
    const [, deploy] = resourceByPrefix(template, 'Custom::CDKBucketDeployment', 'SiteDeploy');
    const p = deploy.Properties;
    assert.equal(p.SourceObjectKeys.length, 2, 'the built site and config.json');
    assert.ok(refTarget(p.DestinationBucketName)!.startsWith('SiteContent'));
    assert.ok(refTarget(p.DistributionId)!.startsWith('SiteCdn'), 'invalidates the CDN');
    const config = dashboardConfig(template, app.outdir);
    assert.deepEqual(Object.keys(config).sort(), ['apiBase', 'auth']);
    assert.match(config.apiBase, /^\{ApiHttp[0-9A-F]+\}$/);
    assert.match(
      config.auth.authority,
      /^https:\/\/cognito-idp\.eu-west-1\.amazonaws\.com\/\{AuthUsers[0-9A-F]+\}$/,
    );
    assert.match(config.auth.clientId, /^\{AuthUsersDashboard[0-9A-F]+\}$/);
    assert.deepEqual(config.auth.scopes, ['openid', 'email']);
    // Cognito's sign-out is its /logout, which its discovery document does not name as standard.
    assert.match(
      config.auth.endSessionEndpoint,
      /^https:\/\/\{AuthUsersSignIn[0-9A-F]+\}\.auth\.eu-west-1\.amazoncognito\.com\/logout$/,
    );
    assert.deepEqual(Object.keys(config.auth).sort(), [
      'authority',
      'clientId',
      'endSessionEndpoint',
      'scopes',
    ]);
  });

  it('points the dashboard at an existing OIDC issuer from context, with its own sign-out when given', () => {
    const issuer = {
      oidcIssuer: 'https://login.example.com/realms/ops',
      oidcAudience: 'zonetrail-dashboard',
      oidcScopes: 'openid,email,offline_access',
    };
    const standard = synth(issuer);
    assert.deepEqual(dashboardConfig(standard.template, standard.app.outdir).auth, {
      authority: 'https://login.example.com/realms/ops',
      clientId: 'zonetrail-dashboard',
      scopes: ['openid', 'email', 'offline_access'],
    });
    const custom = synth({
      ...issuer,
      oidcEndSessionEndpoint: 'https://login.example.com/signout',
    });
    assert.equal(
      dashboardConfig(custom.template, custom.app.outdir).auth.endSessionEndpoint,
      'https://login.example.com/signout',
    );
  });

  it('deploys web/dist when it is built, and a placeholder page otherwise', () => {
    const dir = webContentDir();
    const built = fs.existsSync(path.join(WEB_DIST_DIR, 'index.html'));
    assert.equal(dir, built ? WEB_DIST_DIR : WEB_PLACEHOLDER_DIR);
    assert.ok(fs.existsSync(path.join(WEB_PLACEHOLDER_DIR, 'index.html')));
  });
});
