using System.Data.Common;
using System.Globalization;
using SalesWorkflow.Engine.Runtime;

namespace SalesWorkflow.Engine.Storage.Relational;

/// <summary>
/// A <see cref="DealQuery"/> as SQL over the <c>instances</c> table, the same for every store: the filters, paging by
/// deal id, and reading a row back into a <see cref="DealSummary"/>. Stores differ only in their parameter marker and in
/// how they store amounts and flags.
/// </summary>
public static class DealQuerySql
{
    /// <summary>Builds the query's statement on <paramref name="command"/> with parameters marked by <paramref name="marker"/> (<c>@</c>, <c>$</c>).</summary>
    /// <param name="command">The command to prepare.</param>
    /// <param name="query">The query.</param>
    /// <param name="marker">The provider's parameter marker.</param>
    /// <param name="flag">How the store keeps a flag (SQLite 0/1, PostgreSQL boolean).</param>
    public static void Prepare(DbCommand command, DealQuery query, char marker, Func<bool, object> flag)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(flag);
        var filters = new List<string>();
        void Filter(string column, string comparison, string name, object value)
        {
            filters.Add($"{column} {comparison} {marker}{name}");
            AddParameter(command, marker, name, value);
        }

        if (query.Stage is { } stage)
        {
            Filter("stage", "=", "stage", stage);
        }

        if (query.OwnerId is { } owner)
        {
            Filter("owner_id", "=", "owner", owner);
        }

        if (query.Team is { } team)
        {
            Filter("team", "=", "team", team);
        }

        if (query.AtRisk is { } atRisk)
        {
            Filter("risk_count", atRisk ? ">" : "=", "norisk", 0);
        }

        if (query.Status is { } status)
        {
            Filter("status", "=", "status", status.ToString().ToLowerInvariant());
        }

        if (query.Blocked is { } blocked)
        {
            Filter("blocked", "=", "blocked", flag(blocked));
        }

        if (query.MinEscalationLevel is { } level)
        {
            Filter("escalation_level", ">=", "level", level);
        }

        if (query.MaxHealth is { } health)
        {
            Filter("health", "<=", "health", health);
        }

        if (query.AfterDealId is { } after)
        {
            Filter("deal_id", ">", "after", after);
        }

        AddParameter(command, marker, "limit", Math.Clamp(query.Limit, 1, 10_000));
        command.CommandText = "SELECT deal_id, process_id, process_version, stage, status, owner_id, team, amount, health, blocked, escalation_level, entered_stage_at, risk_count FROM instances"
            + (filters.Count > 0 ? " WHERE " + string.Join(" AND ", filters) : string.Empty) + $" ORDER BY deal_id LIMIT {marker}limit;";
    }

    /// <summary>Adds a parameter named with the provider's marker (<c>@name</c>, <c>$name</c>), for statements shared by the stores.</summary>
    /// <param name="command">The command.</param>
    /// <param name="marker">The provider's parameter marker.</param>
    /// <param name="name">The parameter's name without the marker.</param>
    /// <param name="value">Its value.</param>
    public static void AddParameter(DbCommand command, char marker, string name, object value)
    {
        ArgumentNullException.ThrowIfNull(command);
        var parameter = command.CreateParameter();
        parameter.ParameterName = marker + name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Reads every row of the prepared statement.</summary>
    /// <param name="command">A command <see cref="Prepare"/> built.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The deals in id order.</returns>
    public static async Task<IReadOnlyList<DealSummary>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<DealSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            // SQLite keeps amounts as invariant text and flags as 0/1; PostgreSQL as numeric and boolean.
            result.Add(new DealSummary(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                Enum.Parse<DealStatus>(reader.GetString(4), ignoreCase: true),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetValue(7) is string amount ? decimal.Parse(amount, CultureInfo.InvariantCulture) : reader.GetDecimal(7),
                reader.GetInt32(8),
                reader.GetValue(9) is bool flag ? flag : reader.GetInt64(9) == 1,
                reader.GetInt32(10),
                StorageJson.Moment(reader.GetInt64(11)),
                reader.GetInt32(12)));
        }

        return result;
    }
}
