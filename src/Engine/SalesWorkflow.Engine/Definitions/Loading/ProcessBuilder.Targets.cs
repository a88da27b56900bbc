using System.Globalization;
using SalesWorkflow.Engine.Definitions.Shapes;
using SalesWorkflow.Engine.Definitions.Yaml;
using SalesWorkflow.Engine.Diagnostics;

namespace SalesWorkflow.Engine.Definitions.Loading;

// ProcessBuilder, part: The `targets:` section: plans broken down by team, rep and product, checked to add up.
internal sealed partial class ProcessBuilder
{
    private List<TargetPlan> BuildTargets()
    {
        var targets = new List<TargetPlan>();
        var years = new Dictionary<long, SourceSpan>();
        foreach (var item in _read.Mappings(_root, "targets"))
        {
            var year = _read.Integer(item, "year");
            var amount = _read.Number(item, "amount");
            if (year is null || amount is null)
            {
                continue;
            }

            if (!years.TryAdd(year.Value, item.Span))
            {
                _diagnostics.Error(
                    DiagnosticIds.DuplicateTargetPeriod,
                    NodeReader.SpanOf(item, "year"),
                    $"there are two targets for {year}",
                    $"the first is at line {years[year.Value].Line}; merge them");
                continue;
            }

            var quarters = Periods(item, "quarters", amount.Value, $"the quarters of {year}");
            var months = Periods(item, "months", amount.Value, $"the months of {year}");
            var teams = new List<TargetPart>();
            foreach (var team in _read.Mappings(item, "teams"))
            {
                if (Part(team, amount.Value) is not { } teamPart)
                {
                    continue;
                }

                var reps = _read.Mappings(team, "reps").Select(rep => Part(rep, teamPart.Amount)).OfType<TargetPart>().ToList();
                CheckDuplicates(reps.Select(r => (r.Key, r.Span)), "rep target", null);
                if (reps.Count > 0)
                {
                    CheckSum(reps, teamPart.Amount, NodeReader.KeySpanOf(team, "reps"), $"the reps of team `{teamPart.Key}`");
                }

                teams.Add(new TargetPart
                {
                    Key = teamPart.Key,
                    Name = teamPart.Name,
                    Share = teamPart.Share,
                    Amount = teamPart.Amount,
                    Parts = reps,
                    Span = teamPart.Span,
                });
            }

            CheckDuplicates(teams.Select(t => (t.Key, t.Span)), "team target", null);
            if (teams.Count > 0)
            {
                CheckSum(teams, amount.Value, NodeReader.KeySpanOf(item, "teams"), $"the teams of {year}");
            }

            targets.Add(new TargetPlan
            {
                Year = (int)year.Value,
                Amount = amount.Value,
                Quarters = quarters,
                Months = months,
                Teams = teams,
                Span = item.Span,
            });
        }

        return targets;
    }

    private List<TargetPart> Periods(YamlMapping item, string key, decimal total, string what)
    {
        if (_read.Node(item, key) is not YamlMapping map)
        {
            return [];
        }

        var parts = new List<TargetPart>();
        foreach (var (k, value) in map.Entries)
        {
            if (!_file.Checker.IsValid(value) || value is not YamlScalar scalar ||
                !ScalarShape.TryParseShareOrAmount(scalar.Value, scalar.Style != YamlDotNet.Core.ScalarStyle.Plain, out var share, out var amount))
            {
                continue;
            }

            parts.Add(new TargetPart
            {
                Key = k.Value,
                Share = share,
                Amount = amount ?? Math.Round(total * (decimal)share!.Value, 2),
                Span = scalar.Span,
            });
        }

        CheckSum(parts, total, NodeReader.KeySpanOf(item, key), what);
        var order = key == "quarters" ? (Func<TargetPart, int>)(p => p.Key[1] - '0') : p => int.Parse(p.Key, CultureInfo.InvariantCulture);
        return [.. parts.OrderBy(order)];
    }

    private TargetPart? Part(YamlMapping item, decimal parentAmount)
    {
        var id = _read.String(item, "id");
        if (id is null)
        {
            return null;
        }

        double? share = _read.Scalar(item, "share") is { } s && ScalarShape.TryParseShare(s.Value, out var parsed) ? parsed : null;
        var amount = _read.Number(item, "amount");
        if (share is null && amount is null)
        {
            return null;
        }

        return new TargetPart
        {
            Key = id,
            Name = _read.Localized(item, "name"),
            Share = share,
            Amount = amount ?? Math.Round(parentAmount * (decimal)share!.Value, 2),
            Span = item.Span,
        };
    }

    private void CheckSum(List<TargetPart> parts, decimal total, SourceSpan span, string what)
    {
        if (parts.Count == 0)
        {
            return;
        }

        var sum = parts.Sum(p => p.Amount);
        // Shares are rounded to cents per part, so allow one cent per part of rounding.
        if (Math.Abs(sum - total) <= parts.Count * 0.01m)
        {
            return;
        }

        var shareSum = parts.All(p => p.Share is not null) ? parts.Sum(p => p.Share!.Value) : (double?)null;
        var message = shareSum is { } shares
            ? $"the shares of {what} add up to {shares * 100:0.##}%, not 100%"
            : $"{what} add up to {sum.ToString("N2", CultureInfo.InvariantCulture)}, not {total.ToString("N2", CultureInfo.InvariantCulture)}";
        _diagnostics.Error(
            DiagnosticIds.TargetSharesDoNotAddUp,
            span,
            message,
            sum < total ? $"{(total - sum).ToString("N2", CultureInfo.InvariantCulture)} is not assigned to anyone" : $"{(sum - total).ToString("N2", CultureInfo.InvariantCulture)} is assigned twice");
    }
}
