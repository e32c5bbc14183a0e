using System.Text.Json.Serialization;
using Stepwise.Core.Decisions;

namespace Stepwise.Core.Model;

/// <summary>
/// Source-generated JSON metadata for what Core writes and reads: snapshots, fleet files, decisions (actions and
/// refusals) and declarations. Settings come from <see cref="SnapshotJson"/>'s options, not from here.
/// </summary>
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(FleetFile))]
[JsonSerializable(typeof(Decisions.Decisions))]
[JsonSerializable(typeof(DecisionAction))]
[JsonSerializable(typeof(Refusal))]
[JsonSerializable(typeof(List<Refusal>))]
[JsonSerializable(typeof(ConfigDeclaration))]
[JsonSerializable(typeof(ReleaseDeclaration))]
public sealed partial class CoreJsonContext : JsonSerializerContext;
