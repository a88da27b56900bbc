using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace SalesWorkflow.Engine.Definitions.Loading;

/// <summary>
/// Hashes what a process means (not how its file is formatted): comments, key order within mappings, quoting and
/// whitespace do not change the hash; any change to stages, rules, policies, targets or imported pack content does.
/// The runtime refuses a changed hash under an unchanged version, so running deals never silently change rules.
/// </summary>
internal static class ContentHasher
{
    public static ProcessDefinition WithHash(ProcessDefinition process)
    {
        var hash = Hash(process);
        return new ProcessDefinition
        {
            Id = process.Id,
            Version = process.Version,
            Name = process.Name,
            Description = process.Description,
            Languages = process.Languages,
            Currency = process.Currency,
            Owner = process.Owner,
            Calendar = process.Calendar,
            Imports = process.Imports,
            Plugins = process.Plugins,
            Fields = process.Fields,
            Stages = process.Stages,
            Transitions = process.Transitions,
            Escalations = process.Escalations,
            RiskCategories = process.RiskCategories,
            Risks = process.Risks,
            Targets = process.Targets,
            Feedback = process.Feedback,
            Care = process.Care,
            SourcePath = process.SourcePath,
            ContentHash = hash,
            Span = process.Span,
        };
    }

    public static string Hash(ProcessDefinition p)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", p.Id);
            w.WriteNumber("version", p.Version);
            Text(w, "name", p.Name);
            Text(w, "description", p.Description);
            w.WriteString("currency", p.Currency);
            w.WriteString("owner", p.Owner);
            Strings(w, "languages", p.Languages);
            if (p.Plugins.Count > 0)
            {
                // Only when present, so that processes without plugins keep the hashes stored in existing databases.
                Strings(w, "plugins", p.Plugins.Order(StringComparer.Ordinal));
            }

            w.WriteStartObject("calendar");
            w.WriteString("timeZone", p.Calendar.TimeZone.Id);
            Strings(w, "weekend", p.Calendar.Weekend.Order().Select(d => d.ToString()));
            Strings(w, "holidays", p.Calendar.Holidays.Order().Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            Strings(w, "workdays", p.Calendar.Workdays.Order().Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
            if (p.Calendar.Opens != BusinessCalendar.DefaultOpens || p.Calendar.Closes != BusinessCalendar.DefaultCloses)
            {
                // Only when not the default, so that processes written before working hours keep their stored hashes.
                w.WriteString("workingHours", p.Calendar.Opens.ToString("HH:mm", CultureInfo.InvariantCulture) + "-" + p.Calendar.Closes.ToString("HH:mm", CultureInfo.InvariantCulture));
            }

            w.WriteEndObject();
            w.WriteStartArray("fields");
            foreach (var f in p.Fields.OrderBy(f => f.On).ThenBy(f => f.Id, StringComparer.Ordinal))
            {
                w.WriteStartObject();
                w.WriteString("id", f.Id);
                w.WriteString("on", f.On.ToString());
                w.WriteString("type", f.Type.ToString());
                Strings(w, "values", f.Values);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("stages");
            foreach (var s in p.Stages)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                Text(w, "name", s.Name);
                Text(w, "description", s.Description);
                w.WriteString("kind", s.Kind.ToString());
                w.WriteNumber("probability", s.Probability);
                Text(w, "norms", s.Norms);
                w.WriteBoolean("canLose", s.CanLose);
                w.WriteStartArray("checklist");
                foreach (var c in s.Checklist)
                {
                    w.WriteStartObject();
                    w.WriteString("id", c.Id);
                    Text(w, "text", c.Text);
                    w.WriteBoolean("required", c.Required);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("exitCriteria");
                foreach (var c in s.ExitCriteria)
                {
                    w.WriteStartObject();
                    w.WriteString("id", c.Id);
                    Text(w, "description", c.Description);
                    w.WriteString("when", c.Condition.Text);
                    w.WriteString("pack", c.Pack);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("tasks");
                foreach (var t in s.Tasks)
                {
                    w.WriteStartObject();
                    w.WriteString("id", t.Id);
                    Text(w, "title", t.Title);
                    w.WriteString("due", t.Due?.Text);
                    w.WriteString("assignee", t.Assignee);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            var tp = p.Transitions;
            w.WriteStartObject("transitions");
            w.WriteBoolean("allowSkip", tp.AllowSkip);
            w.WriteBoolean("allowBack", tp.AllowBack);
            w.WriteBoolean("lostFromAnyStage", tp.LostFromAnyStage);
            w.WriteBoolean("allowReopen", tp.AllowReopen);
            w.WriteBoolean("autoAdvance", tp.AutoAdvance);
            w.WriteBoolean("requireLossReason", tp.RequireLossReason);
            w.WriteStartArray("lossReasons");
            foreach (var r in tp.LossReasons)
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                Text(w, "name", r.Name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("escalations");
            foreach (var e in p.Escalations)
            {
                w.WriteStartObject();
                w.WriteString("id", e.Id);
                Text(w, "name", e.Name);
                Strings(w, "stages", e.Stages);
                w.WriteString("timeInStage", e.TimeInStage?.Text);
                w.WriteString("condition", e.Condition?.Text);
                Text(w, "message", e.Message);
                w.WriteStartArray("levels");
                foreach (var l in e.Levels)
                {
                    w.WriteStartObject();
                    w.WriteString("notify", l.Notify);
                    w.WriteString("after", l.After.Text);
                    Text(w, "message", l.Message);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("riskCategories");
            foreach (var c in p.RiskCategories)
            {
                w.WriteStringValue(c.Id);
            }

            w.WriteEndArray();
            w.WriteStartArray("risks");
            foreach (var r in p.Risks)
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                Text(w, "name", r.Name);
                w.WriteString("category", r.Category);
                w.WriteString("severity", r.Severity.ToString());
                w.WriteNumber("weight", r.Weight);
                w.WriteString("when", r.Condition.Text);
                Text(w, "advice", r.Advice);
                Strings(w, "stages", r.Stages);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("targets");
            foreach (var t in p.Targets)
            {
                w.WriteStartObject();
                w.WriteNumber("year", t.Year);
                w.WriteNumber("amount", t.Amount);
                Parts(w, "quarters", t.Quarters);
                Parts(w, "months", t.Months);
                Parts(w, "teams", t.Teams);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (!p.Feedback.IsNone)
            {
                // Only when declared, so that processes without a feedback policy keep the hashes stored in existing databases.
                w.WriteStartObject("feedback");
                w.WriteString("route", p.Feedback.Route);
                w.WriteString("respond", p.Feedback.Respond?.Text);
                w.WriteString("resolve", p.Feedback.Resolve?.Text);
                w.WriteEndObject();
            }

            if (!p.Care.IsNone)
            {
                // Only when declared, as for the feedback policy.
                w.WriteStartObject("care");
                w.WriteString("followUpVisit", p.Care.FollowUpVisit.ToString());
                w.WriteString("checkIn", p.Care.CheckIn.ToString());
                w.WriteStartObject("tiers");
                foreach (var (tier, cadence) in p.Care.CheckInByTier.OrderBy(t => t.Key, StringComparer.Ordinal))
                {
                    w.WriteString(tier, cadence.ToString());
                }

                w.WriteEndObject();
                w.WriteString("before", p.Care.GreetingLead.ToString());
                w.WriteStartArray("days");
                foreach (var day in p.Care.Occasions)
                {
                    w.WriteStartObject();
                    w.WriteString("id", day.Id);
                    w.WriteStartObject("name");
                    foreach (var (language, text) in day.Name.OrderBy(n => n.Key, StringComparer.Ordinal))
                    {
                        w.WriteString(language, text);
                    }

                    w.WriteEndObject();
                    w.WriteNumber("month", day.Month);
                    w.WriteNumber("day", day.Day);
                    w.WriteBoolean("winAnniversary", day.IsWinAnniversary);
                    Strings(w, "dates", day.Dates.Select(d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    private static void Parts(Utf8JsonWriter w, string name, IReadOnlyList<TargetPart> parts)
    {
        w.WriteStartArray(name);
        foreach (var part in parts)
        {
            w.WriteStartObject();
            w.WriteString("key", part.Key);
            w.WriteNumber("amount", part.Amount);
            Parts(w, "parts", part.Parts);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Text(Utf8JsonWriter w, string name, LocalizedText text)
    {
        w.WriteStartObject(name);
        foreach (var (language, value) in text.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            w.WriteString(language, value);
        }

        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }
}
