using Stepwise.Core.Model;

namespace Stepwise.Data.Tests.Running;

/// <summary>Data changes the runner tests use.</summary>
public static class Changes
{
    /// <summary>Renames customers.email to contact_email the safe way. The backfill counts its touches in hits.</summary>
    public static DataChange RenameEmail(string? contractDown = null, int batchSize = 100, string? where = null) => new(
        "customer-contact-email",
        ["orders-db"],
        new SqlPhase("ALTER TABLE customers ADD COLUMN contact_email text", "ALTER TABLE customers DROP COLUMN contact_email"),
        new BackfillSpec("customers", "id", "contact_email = email, hits = hits + 1", where, batchSize, TimeSpan.Zero, null),
        new SqlPhase("ALTER TABLE customers DROP COLUMN email", contractDown));
}
