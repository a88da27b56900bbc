using System.Globalization;
using System.Text;

namespace SalesWorkflow.Engine.Definitions;

/// <summary>
/// A length of time written in a definition: elapsed time (<c>30m</c>, <c>36h</c>, <c>14d</c>, <c>2w</c>, or a
/// combination from largest to smallest unit such as <c>1w2d</c> or <c>1d12h</c>), business days (<c>5bd</c>) counted
/// on the process calendar, or business hours (<c>48bh</c>) counted in the calendar's working hours of its business
/// days. The grammar is strict so that a typo is an error rather than a surprise.
/// </summary>
public readonly record struct Duration
{
    private const int MaxDays = 3660;

    private const int MaxBusinessHours = MaxDays * 24;

    private Duration(TimeSpan elapsed, int businessDays, string text, int businessHours = 0)
    {
        Elapsed = elapsed;
        BusinessDays = businessDays;
        BusinessHours = businessHours;
        Text = text;
    }

    /// <summary>Elapsed time; zero for a business-day or business-hour duration.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Number of business days; zero for another kind of duration.</summary>
    public int BusinessDays { get; }

    /// <summary>Number of business hours (working hours of business days); zero for another kind of duration.</summary>
    public int BusinessHours { get; }

    /// <summary>True when the duration counts business days on the process calendar.</summary>
    public bool IsBusinessDays => BusinessDays > 0;

    /// <summary>True when the duration counts working hours of business days on the process calendar.</summary>
    public bool IsBusinessHours => BusinessHours > 0;

    /// <summary>True when the duration counts on the process calendar (business days or business hours).</summary>
    public bool IsOnCalendar => IsBusinessDays || IsBusinessHours;

    /// <summary>True for a duration of no length (<c>0m</c>, <c>0bd</c>).</summary>
    public bool IsZero => Elapsed == TimeSpan.Zero && BusinessDays == 0 && BusinessHours == 0;

    /// <summary>The duration as written.</summary>
    public string Text { get; }

    /// <summary>An elapsed-time duration.</summary>
    public static Duration FromElapsed(TimeSpan elapsed) => new(elapsed, 0, Format(elapsed));

    /// <summary>A business-day duration.</summary>
    public static Duration FromBusinessDays(int days) => new(TimeSpan.Zero, days, days.ToString(CultureInfo.InvariantCulture) + "bd");

    /// <summary>Parses the duration grammar of docs/yaml-reference.md.</summary>
    public static Duration Parse(string text) =>
        TryParse(text, out var duration, out var error) ? duration : throw new FormatException($"'{text}' is not a valid duration: {error}");

    /// <summary>Parses the duration grammar; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string text, out Duration duration, out string error)
    {
        duration = default;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "it is empty";
            return false;
        }

        if (text.EndsWith("bh", StringComparison.Ordinal))
        {
            var digits = text[..^2];
            if (!IsDigits(digits) || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var hours))
            {
                error = "business hours are written as a whole number followed by `bh`, alone (e.g. `48bh`)";
                return false;
            }

            if (hours > MaxBusinessHours)
            {
                error = $"more than {MaxBusinessHours} business hours";
                return false;
            }

            duration = new Duration(TimeSpan.Zero, 0, text, hours);
            return true;
        }

        if (text.EndsWith("bd", StringComparison.Ordinal))
        {
            var digits = text[..^2];
            if (!IsDigits(digits) || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var days))
            {
                error = "business days are written as a whole number followed by `bd`, alone (e.g. `5bd`)";
                return false;
            }

            if (days > MaxDays)
            {
                error = $"more than {MaxDays} days";
                return false;
            }

            duration = days == 0 ? new Duration(TimeSpan.Zero, 0, text) : new Duration(TimeSpan.Zero, days, text);
            return true;
        }

        var total = TimeSpan.Zero;
        var lastRank = int.MaxValue;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start)
            {
                error = $"expected a number at `{text[start..]}`";
                return false;
            }

            if (i - start > 6)
            {
                error = "the number is too large";
                return false;
            }

            var amount = int.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            if (i >= text.Length)
            {
                error = "the unit is missing after the number (`m`, `h`, `d`, `w`, `bd` or `bh`)";
                return false;
            }

            var (rank, unit) = text[i] switch
            {
                'w' => (4, TimeSpan.FromDays(7)),
                'd' => (3, TimeSpan.FromDays(1)),
                'h' => (2, TimeSpan.FromHours(1)),
                'm' => (1, TimeSpan.FromMinutes(1)),
                _ => (0, TimeSpan.Zero),
            };
            if (rank == 0)
            {
                error = $"`{text[i]}` is not a unit (use `m`, `h`, `d`, `w`, `bd` or `bh`)";
                return false;
            }

            if (rank >= lastRank)
            {
                error = "units must go from the largest to the smallest, each at most once (e.g. `1d12h`)";
                return false;
            }

            lastRank = rank;
            total += unit * amount;
            i++;
        }

        if (total > TimeSpan.FromDays(MaxDays))
        {
            error = $"more than {MaxDays} days";
            return false;
        }

        duration = new Duration(total, 0, text);
        return true;
    }

    /// <summary>The moment this duration after <paramref name="start"/>, counting business days and hours on the calendar.</summary>
    public DateTimeOffset AddTo(DateTimeOffset start, BusinessCalendar calendar)
    {
        ArgumentNullException.ThrowIfNull(calendar);
        return IsBusinessDays ? calendar.AddBusinessDays(start, BusinessDays)
            : IsBusinessHours ? calendar.AddBusinessHours(start, BusinessHours)
            : start + Elapsed;
    }

    /// <summary>The nominal length in calendar days, for comparing durations of different kinds (a business day ≈ 1.4 days, a business hour ≈ 1/9 of one).</summary>
    internal double NominalDays(BusinessCalendar calendar) =>
        IsBusinessDays ? BusinessDays * 7.0 / 5.0
        : IsBusinessHours ? BusinessHours / calendar.WorkingHoursPerDay.TotalHours * 7.0 / 5.0
        : Elapsed.TotalDays;

    /// <inheritdoc />
    public override string ToString() => Text ?? string.Empty;

    private static bool IsDigits(string text) => text.Length is > 0 and <= 6 && text.All(char.IsAsciiDigit);

    private static string Format(TimeSpan elapsed)
    {
        if (elapsed == TimeSpan.Zero)
        {
            return "0m";
        }

        var builder = new StringBuilder();
        var days = (int)elapsed.TotalDays;
        if (days > 0)
        {
            builder.Append(days.ToString(CultureInfo.InvariantCulture)).Append('d');
        }

        if (elapsed.Hours > 0)
        {
            builder.Append(elapsed.Hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (elapsed.Minutes > 0)
        {
            builder.Append(elapsed.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return builder.ToString();
    }
}
