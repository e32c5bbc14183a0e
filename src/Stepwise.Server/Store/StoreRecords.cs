using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Store;

/// <summary>A release registered through the API, with its artifact and contracts.</summary>
public sealed record RegisteredRelease(string Service, ReleaseRegistration Registration, DateTimeOffset RegisteredAt);

/// <summary>A stored token: only the SHA-256 of the secret is kept. A revoked token authenticates nothing.</summary>
public sealed record TokenRecord(string Hash, string Name, TokenKind Kind, string? Node, DateTimeOffset? CreatedAt = null, DateTimeOffset? RevokedAt = null, string? Service = null)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>A stored operator request and, once the reconciler handled it, its outcome.</summary>
public sealed record RequestRecord(OperatorRequest Request, bool Completed, bool? Accepted, string? Message, string? Rollout, IReadOnlyList<Refusal> Refusals);

/// <summary>Calls summed for one (service, UTC day, client app, version, operation), with the last time one was reported (Unix ms).</summary>
public sealed record ClientCallRow(string Service, long Day, string App, string Version, string Operation, long Calls, long LastSeenMs);
