using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

public sealed class StoreUrlTests
{
    [Theory]
    [InlineData("sqlite:stepwise.db", "stepwise.db")]
    [InlineData("sqlite:///var/lib/stepwise/s.db", "/var/lib/stepwise/s.db")]
    public void a_sqlite_url_names_the_file(string text, string file)
    {
        var url = StoreUrl.Parse(text);
        url.Dialect.ShouldBe(StoreDialect.Sqlite);
        url.ConnectionString.ShouldContain(file);
    }

    [Fact]
    public void a_postgres_url_becomes_a_connection_string_and_its_password_is_never_displayed()
    {
        var url = StoreUrl.Parse("postgres://stepwise:s3cr%40t@db.internal:6543/control?Timeout=5");
        url.Dialect.ShouldBe(StoreDialect.Postgres);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(url.ConnectionString);
        builder.Host.ShouldBe("db.internal");
        builder.Port.ShouldBe(6543);
        builder.Database.ShouldBe("control");
        builder.Username.ShouldBe("stepwise");
        builder.Password.ShouldBe("s3cr@t");
        builder.Timeout.ShouldBe(5);
        url.Display.ShouldNotContain("s3cr");
    }

    [Theory]
    [InlineData("sqlite:")]
    [InlineData("mysql://x@y/z")]
    [InlineData("stepwise.db")]
    [InlineData("postgres://")]
    public void a_malformed_store_url_is_refused_with_the_accepted_forms(string text)
    {
        var error = Should.Throw<FormatException>(() => StoreUrl.Parse(text));
        error.Message.ShouldContain("--store");
    }
}
