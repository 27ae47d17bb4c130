import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LAMBDA_HTTP_IGNORE_STAGE_IN_PATH, RustEnv } from '../../lib/config';
import { lambdaFunction, refTarget, type Resource, resourceByPrefix, synth } from '../helpers';

describe('api and auth', () => {
  const { template } = synth();
  const routes = (t = template) =>
    Object.fromEntries(
      Object.values(t.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>).map(
        (r) => [r.Properties.RouteKey, r.Properties],
      ),
    );

  it('checks a Cognito JWT on every /api route', () => {
    const [poolId] = resourceByPrefix(template, 'AWS::Cognito::UserPool', 'AuthUsers');
    const [clientId] = resourceByPrefix(
      template,
      'AWS::Cognito::UserPoolClient',
      'AuthUsersDashboard',
    );
    const [authorizerId, authorizer] = resourceByPrefix(
      template,
      'AWS::ApiGatewayV2::Authorizer',
      'Api',
    );
    assert.equal(authorizer.Properties.AuthorizerType, 'JWT');
    assert.deepEqual(authorizer.Properties.IdentitySource, ['$request.header.Authorization']);
    assert.deepEqual(authorizer.Properties.JwtConfiguration.Audience.map(refTarget), [clientId]);
    assert.deepEqual(authorizer.Properties.JwtConfiguration.Issuer, {
      'Fn::Join': ['', ['https://cognito-idp.eu-west-1.amazonaws.com/', { Ref: poolId }]],
    });
    const api = routes()['GET /api/{proxy+}'];
    assert.ok(api, 'GET /api/{proxy+}');
    assert.equal(api.AuthorizationType, 'JWT');
    assert.equal(refTarget(api.AuthorizerId), authorizerId);
  });

  it('answers /healthz without a token, and nothing else', () => {
    const all = routes();
    assert.deepEqual(Object.keys(all).sort(), ['GET /api/{proxy+}', 'GET /healthz']);
    assert.equal(all['GET /healthz'].AuthorizationType, 'NONE');
  });

  it('routes to the api Lambda with payload v2', () => {
    const [apiFnId] = lambdaFunction(template, 'Api');
    const [, integration] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Integration', 'Api');
    assert.equal(integration.Properties.IntegrationType, 'AWS_PROXY');
    assert.equal(integration.Properties.PayloadFormatVersion, '2.0');
    assert.equal(refTarget(integration.Properties.IntegrationUri), apiFnId);
  });

  it('allows the dashboard origin only, and logs every request', () => {
    const [distId] = resourceByPrefix(template, 'AWS::CloudFront::Distribution', 'SiteCdn');
    const [, api] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Api', 'ApiHttp');
    const origin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distId, 'DomainName'] }]] };
    assert.deepEqual(api.Properties.CorsConfiguration.AllowOrigins, [origin]);
    assert.deepEqual(api.Properties.CorsConfiguration.AllowHeaders, [
      'authorization',
      'content-type',
    ]);
    const [, stage] = resourceByPrefix(template, 'AWS::ApiGatewayV2::Stage', 'ApiDefaultStage');
    assert.equal(stage.Properties.StageName, '$default');
    assert.equal(stage.Properties.AutoDeploy, true);
    assert.ok(
      refTarget(stage.Properties.AccessLogSettings.DestinationArn)!.startsWith('ApiAccessLogs'),
    );
    assert.match(stage.Properties.AccessLogSettings.Format, /\$context\.requestId/);
    const [, fn] = lambdaFunction(template, 'Api');
    assert.deepEqual(fn.Properties.Environment.Variables[RustEnv.corsOrigin], origin);
    assert.equal(fn.Properties.Environment.Variables[LAMBDA_HTTP_IGNORE_STAGE_IN_PATH], 'true');
  });

  it('creates users by invitation only, with strong passwords and MFA', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: { MinimumLength: 14, RequireSymbols: true, RequireNumbers: true },
      },
    });
    const [, client] = resourceByPrefix(
      template,
      'AWS::Cognito::UserPoolClient',
      'AuthUsersDashboard',
    );
    const p = client.Properties;
    assert.equal(p.GenerateSecret, false, 'a browser app holds no secret');
    assert.deepEqual(p.AllowedOAuthFlows, ['code']);
    assert.deepEqual(p.AllowedOAuthScopes.sort(), ['email', 'openid']);
    assert.equal(p.ExplicitAuthFlows, undefined, 'no password flows outside the hosted pages');
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: 'zonetrail-111111111111',
    });
  });

  it('uses an existing OIDC issuer from context instead of Cognito', () => {
    const { template: t } = synth({
      oidcIssuer: 'https://login.example.com/realms/ops/',
      oidcAudience: 'zonetrail-dashboard',
      oidcDomain: 'https://login.example.com/realms/ops',
    });
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: 'https://login.example.com/realms/ops',
        Audience: ['zonetrail-dashboard'],
      },
    });
    assert.equal(routes(t)['GET /api/{proxy+}'].AuthorizationType, 'JWT');
  });
});
