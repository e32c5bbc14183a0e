using System.Runtime.InteropServices;
using System.Text.Json;

namespace Stepwise.Contracts.Json;

/// <summary>
/// Whether an element of the old side and one of the new side are written identically, byte for byte, and every
/// $ref inside them reaches elements that are identical in the same sense. Identical elements cannot produce
/// findings, so the comparison skips them; on a large description most operations are unchanged between releases.
/// </summary>
/// <remarks>
/// References can form cycles. A pair being compared is assumed identical while it is in progress (equality of
/// the unfolded graphs); a "yes" reached under such an assumption is kept only when the outermost question is
/// answered "yes", because only then did every assumption hold. A "no" never rests on an assumption and is kept.
/// </remarks>
internal sealed class DeepEquality(DocumentSet oldDocuments, DocumentSet newDocuments)
{
    private readonly HashSet<((JsonSource, string), (JsonSource, string))> _identical = [];
    private readonly HashSet<((JsonSource, string), (JsonSource, string))> _different = [];
    private readonly HashSet<((JsonSource, string), (JsonSource, string))> _inProgress = [];
    private readonly List<((JsonSource, string), (JsonSource, string))> _provisional = [];

    public bool Identical(Node old, Node @new)
    {
        var result = Compare(old, @new);
        if (_inProgress.Count == 0)
        {
            if (result)
            {
                _identical.UnionWith(_provisional);
            }
            _provisional.Clear();
        }
        return result;
    }

    private bool Compare(Node old, Node @new)
    {
        var key = (old.Key, @new.Key);
        if (_identical.Contains(key) || _inProgress.Contains(key))
        {
            return true;
        }
        if (_different.Contains(key))
        {
            return false;
        }
        if (!JsonMarshal.GetRawUtf8Value(old.Element).SequenceEqual(JsonMarshal.GetRawUtf8Value(@new.Element)))
        {
            _different.Add(key);
            return false;
        }
        var references = new List<string>();
        CollectReferences(old.Element, references);
        if (references.Count == 0)
        {
            _identical.Add(key);
            return true;
        }
        _inProgress.Add(key);
        var same = true;
        foreach (var reference in references)
        {
            if (!TryResolve(oldDocuments, old, reference, out var oldTarget) || !TryResolve(newDocuments, @new, reference, out var newTarget) || !Compare(oldTarget, newTarget))
            {
                same = false;
                break;
            }
        }
        _inProgress.Remove(key);
        if (same)
        {
            _provisional.Add(key);
        }
        else
        {
            _different.Add(key);
        }
        return same;
    }

    private static bool TryResolve(DocumentSet documents, Node at, string reference, out Node target)
    {
        try
        {
            target = documents.ResolveReference(at, reference);
            return true;
        }
        catch (ContractInputException)
        {
            target = default;
            return false; // not identical as far as this shortcut can tell: the full comparison reports the problem
        }
    }

    private static void CollectReferences(JsonElement element, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        if (property.NameEquals("$ref"))
                        {
                            references.Add(property.Value.GetString()!);
                        }
                    }
                    else
                    {
                        CollectReferences(property.Value, references);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectReferences(item, references);
                }
                break;
        }
    }
}
