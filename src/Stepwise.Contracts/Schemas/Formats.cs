namespace Stepwise.Contracts.Schemas;

/// <summary>
/// How two string or number formats relate by the values they admit: the standard formats of JSON Schema 2020-12
/// and the OpenAPI format registry. A change between two standard formats is a real change of the values; a
/// format outside the list may be an annotation only, so a change to or from one is uncertain.
/// </summary>
internal static class Formats
{
    public enum Relation
    {
        /// <summary>Either format is not a standard one: the change may or may not matter.</summary>
        Unknown = 0,

        /// <summary>Neither admits all the other's values.</summary>
        Disjoint = 1,

        /// <summary>The new format admits every old value and more (int32 to int64).</summary>
        Wider = 2,

        /// <summary>The new format admits fewer values (int64 to int32).</summary>
        Narrower = 3,
    }

    private static readonly HashSet<string> Standard = new(StringComparer.Ordinal)
    {
        "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
        "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template", "json-pointer", "relative-json-pointer",
        "regex", "int32", "int64", "float", "double", "byte", "binary",
    };

    /// <summary>Pairs (narrower, wider) where every value of the first is a value of the second.</summary>
    private static readonly HashSet<(string, string)> Included =
    [
        ("int32", "int64"), ("float", "double"), ("uri", "iri"), ("uri-reference", "iri-reference"),
        ("uri", "uri-reference"), ("iri", "iri-reference"), ("uri", "iri-reference"), ("email", "idn-email"), ("hostname", "idn-hostname"),
    ];

    public static Relation Compare(string oldFormat, string newFormat)
    {
        if (!Standard.Contains(oldFormat) || !Standard.Contains(newFormat))
        {
            return Relation.Unknown;
        }
        if (Included.Contains((oldFormat, newFormat)))
        {
            return Relation.Wider;
        }
        return Included.Contains((newFormat, oldFormat)) ? Relation.Narrower : Relation.Disjoint;
    }
}
