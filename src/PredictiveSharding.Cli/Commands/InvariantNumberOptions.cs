using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PredictiveSharding.Cli.Commands;

/// <summary>
/// Makes the commands' fractional options parse with a decimal point whatever the user's locale. System.CommandLine
/// converts an option's text with the current culture, so under de-DE <c>--headroom 0.8</c> read as 8 (the '.' taken
/// for a thousands separator) and <c>--warmup 0.3</c> as 3, while every default, example and document here writes
/// 0.8. Integer options need nothing: they accept no separators.
/// </summary>
internal static class InvariantNumberOptions
{
    /// <summary>Gives every <c>double</c> and <c>double?</c> option of <paramref name="command"/> and its subcommands an invariant parser.</summary>
    public static Command Apply(Command command)
    {
        foreach (var option in command.Options)
        {
            switch (option)
            {
                case Option<double> value:
                    value.CustomParser = result => Parse(result, value.Name) is { } parsed ? parsed : value.DefaultValueFactory?.Invoke(result) ?? 0;
                    break;
                case Option<double?> nullable:
                    nullable.CustomParser = result => Parse(result, nullable.Name) ?? nullable.DefaultValueFactory?.Invoke(result);
                    break;
            }
        }

        foreach (var subcommand in command.Subcommands)
        {
            Apply(subcommand);
        }

        return command;
    }

    // Null when there is no token (the default applies) or the token is not a number (an error is recorded, naming both).
    private static double? Parse(ArgumentResult result, string option)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"Cannot parse argument '{text}' for option '{option}' as a number (write fractions with a decimal point, e.g. 0.8)."));
        return null;
    }
}
