using Google.Protobuf.Reflection;

namespace Stepwise.Contracts.Protobuf;

/// <summary>Compares services and RPCs: removed and added RPCs, request/response types, streaming and idempotency.</summary>
internal sealed partial class ProtobufComparer
{
    private void CompareServices()
    {
        foreach (var (name, oldService) in old.Services)
        {
            if (oldService.File.Unchanged)
            {
                continue;
            }
            if (!@new.Services.TryGetValue(name, out var newService))
            {
                // Anchored in the new contract, the file under review: the file that held the service, when it survives.
                var was = @new.FilesByName.TryGetValue(oldService.File.Proto.Name, out var survivor)
                    ? survivor.Position([ProtoContract.FilePackage])
                    : oldService.File.Position(oldService.Path);
                if (oldService.Proto.Method.Count == 0)
                {
                    Report(ProtobufRules.ServiceNoDelete, Direction.Backward, name,
                        $"Service {name} was removed; it had no RPCs, so no caller could call it and nothing breaks.", was, Severity.Info);
                    continue;
                }
                var deprecated = oldService.IsDeprecated || oldService.Proto.Method.All(m => m.Options?.Deprecated == true);
                Report(ProtobufRules.ServiceNoDelete, Direction.Backward, name,
                    deprecated
                        ? $"Service {name} was removed; the old contract deprecated it. Before releasing, confirm from the call records that no caller used any of its RPCs within the retention window (G6); callers still using it get UNIMPLEMENTED."
                        : $"Service {name} was removed although the old contract did not deprecate it. Callers still on the old contract get UNIMPLEMENTED for {string.Join(", ", oldService.Proto.Method.Select(m => m.Name))}.",
                    was, deprecated ? Severity.Warning : null);
                continue;
            }
            var serviceAt = newService.File.Position(newService.Path);
            var newMethods = newService.Proto.Method.Select((m, i) => (m, i)).ToDictionary(x => x.m.Name, StringComparer.Ordinal);
            foreach (var oldMethod in oldService.Proto.Method)
            {
                var rpc = $"{name}.{oldMethod.Name}";
                if (!newMethods.TryGetValue(oldMethod.Name, out var match))
                {
                    var deprecated = oldService.IsDeprecated || oldMethod.Options?.Deprecated == true;
                    Report(ProtobufRules.RpcNoDelete, Direction.Backward, rpc,
                        deprecated
                            ? $"RPC {rpc} was removed; the old contract deprecated it. Before releasing, confirm from the call records that no caller used it within the retention window (G6); callers still using it get UNIMPLEMENTED."
                            : $"RPC {rpc} was removed although the old contract did not deprecate it. Callers still on the old contract get UNIMPLEMENTED.",
                        serviceAt, deprecated ? Severity.Warning : null);
                    continue;
                }
                CompareMethod(rpc, oldMethod, match.m, newService, match.i);
            }
        }
        foreach (var (name, newService) in @new.Services)
        {
            if (newService.File.Unchanged)
            {
                continue;
            }
            old.Services.TryGetValue(name, out var oldService);
            for (var i = 0; i < newService.Proto.Method.Count; i++)
            {
                var method = newService.Proto.Method[i];
                if (oldService is null || oldService.Proto.Method.All(m => m.Name != method.Name))
                {
                    Report(ProtobufRules.RpcAdded, Direction.Forward, $"{name}.{method.Name}",
                        $"RPC {name}.{method.Name} is new. Servers still on the old release answer UNIMPLEMENTED to callers that use it.",
                        newService.File.Position([.. newService.Path, ProtoContract.ServiceMethod, i]));
                }
            }
        }
    }

    private void CompareMethod(string rpc, MethodDescriptorProto oldMethod, MethodDescriptorProto newMethod, ProtoService newService, int index)
    {
        int[] path = [.. newService.Path, ProtoContract.ServiceMethod, index];
        var at = newService.File.Position(path);
        var oldInput = oldMethod.InputType.TrimStart('.');
        var newInput = newMethod.InputType.TrimStart('.');
        if (oldInput != newInput)
        {
            ReportBoth(ProtobufRules.RpcSameRequestType, rpc, $"RPC {rpc} changed its request type from {oldInput} to {newInput}.",
                newService.File.Position([.. path, ProtoContract.MethodInputType]),
                $"The new server decodes old callers' {oldInput} requests as {newInput}.",
                $"Old servers decode new callers' {newInput} requests as {oldInput}.");
        }
        var oldOutput = oldMethod.OutputType.TrimStart('.');
        var newOutput = newMethod.OutputType.TrimStart('.');
        if (oldOutput != newOutput)
        {
            ReportBoth(ProtobufRules.RpcSameResponseType, rpc, $"RPC {rpc} changed its response type from {oldOutput} to {newOutput}.",
                newService.File.Position([.. path, ProtoContract.MethodOutputType]),
                $"Old callers decode the new server's {newOutput} responses as {oldOutput}.",
                $"New callers decode old servers' {oldOutput} responses as {newOutput}.");
        }
        if (oldMethod.ClientStreaming != newMethod.ClientStreaming)
        {
            ReportBoth(ProtobufRules.RpcSameClientStreaming, rpc,
                $"RPC {rpc} changed from client {Streaming(oldMethod.ClientStreaming)} to client {Streaming(newMethod.ClientStreaming)}.", at,
                "Old callers' calls fail against the new server.", "New callers' calls fail against old servers.");
        }
        if (oldMethod.ServerStreaming != newMethod.ServerStreaming)
        {
            ReportBoth(ProtobufRules.RpcSameServerStreaming, rpc,
                $"RPC {rpc} changed from server {Streaming(oldMethod.ServerStreaming)} to server {Streaming(newMethod.ServerStreaming)}.", at,
                "Old callers' calls fail against the new server.", "New callers' calls fail against old servers.");
        }
        var oldLevel = oldMethod.Options?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;
        var newLevel = newMethod.Options?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;
        if (oldLevel != newLevel)
        {
            ReportBoth(ProtobufRules.RpcSameIdempotencyLevel, rpc, $"RPC {rpc} changed its idempotency level from {oldLevel} to {newLevel}.", at,
                "Old callers retry or use HTTP GET as the old level allowed, which the new server may not accept.",
                "New callers retry or use HTTP GET as the new level allows, which old servers may not accept.");
        }
    }

    private static string Streaming(bool streaming) => streaming ? "streaming" : "unary";
}
