using Stepwise.Contracts.JsonSchema;
using Stepwise.Contracts.OpenApi;

namespace Stepwise.Contracts;

/// <summary>What the deployed release does with data described by a JSON Schema.</summary>
public enum SchemaRole
{
    /// <summary>The release reads this data (a consumer, a request body it accepts, a stored document it loads).</summary>
    Reader = 0,

    /// <summary>The release writes this data (a producer, an event it emits, a response it returns).</summary>
    Writer = 1,
}

/// <summary>Options a checker may need beyond the two paths.</summary>
/// <param name="Role">JSON Schema only: what the release does with the data.</param>
/// <param name="Limits">Size and expansion caps for reading contract files; <see cref="ContractLimits.Default"/> when null.</param>
/// <param name="Clock">Today's date where a contract names dates (<c>x-sunset</c>); null: the system clock.</param>
public sealed record CheckerOptions(SchemaRole Role = SchemaRole.Reader, ContractLimits? Limits = null, TimeProvider? Clock = null);

/// <summary>A contract kind and how to construct its checker.</summary>
public sealed record CheckerRegistration(ContractKind Kind, Func<CheckerOptions, IContractChecker> Create);

/// <summary>The checkers built into this library, one per contract kind.</summary>
public static class ContractCheckers
{
    public static readonly IReadOnlyList<CheckerRegistration> Registered =
    [
        new(ContractKind.OpenApi, options => new OpenApiChecker(options.Limits, options.Clock)),
        new(ContractKind.Protobuf, options => new Protobuf.ProtobufChecker { Limits = options.Limits ?? ContractLimits.Default }),
        new(ContractKind.JsonSchema, options => new JsonSchemaChecker(options.Role, options.Limits)),
    ];

    /// <summary>The checker for a kind. Throws <see cref="ContractInputException"/> when this build has none for it.</summary>
    public static IContractChecker For(ContractKind kind, CheckerOptions? options = null)
    {
        foreach (var registration in Registered)
        {
            if (registration.Kind == kind)
            {
                return registration.Create(options ?? new CheckerOptions());
            }
        }
        throw new ContractInputException($"{KindName(kind)} support is not built into this binary");
    }

    /// <summary>The name used on the command line (--kind) and in reports.</summary>
    public static string KindName(ContractKind kind) => kind switch
    {
        ContractKind.OpenApi => "openapi",
        ContractKind.Protobuf => "protobuf",
        ContractKind.JsonSchema => "jsonschema",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
