namespace Stepwise.Contracts.Tests.Protobuf;

public sealed class ProtobufServiceRuleTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private const string Messages = "message GetOrderRequest { string id = 1; }\nmessage Order { string id = 1; }\nmessage OrderSummary { string id = 1; }\n";

    private static string Proto(string service) => "syntax = \"proto3\";\npackage shop.v1;\n" + Messages + service;

    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];

    [Fact]
    public void removing_an_undeprecated_rpc_is_an_error_for_old_callers()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n  rpc DeleteOrder(GetOrderRequest) returns (Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        var removal = findings.OfRule("RPC_NO_DELETE").ShouldHaveSingleItem();
        removal.Severity.ShouldBe(Severity.Error);
        removal.Direction.ShouldBe(Direction.Backward);
        removal.Location.ShouldBe("shop.v1.Orders.DeleteOrder");
        removal.Message.ShouldContain("did not deprecate");
        removal.Fix.ShouldContain("deprecate the RPC in N", Case.Insensitive);
    }

    [Fact]
    public void removing_a_deprecated_rpc_is_a_warning_naming_the_caller_check()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n  rpc DeleteOrder(GetOrderRequest) returns (Order) { option deprecated = true; }\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        var removal = findings.OfRule("RPC_NO_DELETE").ShouldHaveSingleItem();
        removal.Severity.ShouldBe(Severity.Warning);
        removal.Message.ShouldContain("no caller used it");
        removal.Message.ShouldContain("G6");
    }

    [Fact]
    public void removing_an_undeprecated_service_is_an_error_for_old_callers()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\nservice Reports {\n  rpc Summary(GetOrderRequest) returns (OrderSummary);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        var removal = findings.OfRule("SERVICE_NO_DELETE").ShouldHaveSingleItem();
        removal.Severity.ShouldBe(Severity.Error);
        removal.Direction.ShouldBe(Direction.Backward);
        removal.Location.ShouldBe("shop.v1.Reports");
        // The service is gone; the file that held it survives: the finding points there, at its package line.
        removal.File.ShouldBe(Path.Combine(workspace.NewDir, "contract.proto"));
        removal.Line.ShouldBe(2);
        findings.OfRule("RPC_NO_DELETE").ShouldBeEmpty();
    }

    [Fact]
    public void removing_a_deprecated_service_is_a_warning_naming_the_caller_check()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\nservice Reports {\n  option deprecated = true;\n  rpc Summary(GetOrderRequest) returns (OrderSummary);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        var removal = findings.OfRule("SERVICE_NO_DELETE").ShouldHaveSingleItem();
        removal.Severity.ShouldBe(Severity.Warning);
        removal.Message.ShouldContain("no caller used");
    }

    [Fact]
    public void changing_an_rpc_request_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(Order) returns (Order);\n}\n"));

        findings.Directions("RPC_SAME_REQUEST_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void changing_an_rpc_response_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (OrderSummary);\n}\n"));

        findings.Directions("RPC_SAME_RESPONSE_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void making_an_rpc_client_streaming_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(stream GetOrderRequest) returns (Order);\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["RPC_SAME_CLIENT_STREAMING"]);
        findings.Directions("RPC_SAME_CLIENT_STREAMING").ShouldBe(Both);
    }

    [Fact]
    public void making_an_rpc_server_streaming_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (stream Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["RPC_SAME_SERVER_STREAMING"]);
        findings.Directions("RPC_SAME_SERVER_STREAMING").ShouldBe(Both);
    }

    [Fact]
    public void changing_an_rpc_idempotency_level_warns_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order) { option idempotency_level = NO_SIDE_EFFECTS; }\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));

        findings.Directions("RPC_SAME_IDEMPOTENCY_LEVEL").ShouldBe(Both);
        findings.OfRule("RPC_SAME_IDEMPOTENCY_LEVEL").ShouldAllBe(f => f.Severity == Severity.Warning);
    }

    [Fact]
    public void adding_an_rpc_informs_that_old_servers_do_not_serve_it()
    {
        var findings = workspace.Compare(
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"),
            Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n  rpc ListOrders(GetOrderRequest) returns (Order);\n}\n"));

        var added = findings.ShouldHaveSingleItem();
        added.RuleId.ShouldBe("RPC_ADDED");
        added.Severity.ShouldBe(Severity.Info);
        added.Direction.ShouldBe(Direction.Forward);
        added.Line.ShouldBe(8);
    }

    [Fact]
    public void removing_a_service_without_rpcs_is_information_with_a_message()
    {
        var findings = workspace.Compare(Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\nservice Empty {}\n"), Proto("service Orders {\n  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n"));
        var removal = findings.OfRule("SERVICE_NO_DELETE").ShouldHaveSingleItem();
        removal.Severity.ShouldBe(Severity.Info);
        removal.Message.ShouldContain("shop.v1.Empty");
        removal.Message.ShouldContain("no RPCs");
    }
}
