using Microsoft.Extensions.Options;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>
/// Runs an options class's own <c>Validate</c> at start-up (for the recorder's, forecaster's, planner's and executor's
/// options), so a bad setting stops the host as an <see cref="OptionsValidationException"/> naming the class, the setting
/// and its value, as a bad <see cref="ControlLoop.ControlLoopOptions"/> setting does, rather than as whatever the
/// component's constructor throws when the hosted service is first resolved.
/// </summary>
internal sealed class SettingsValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            // Some classes' messages name the setting only ("Epochs must be ..."): say whose it is.
            var type = typeof(TOptions).Name;
            return ValidateOptionsResult.Fail(e.Message.Contains(type + ".", StringComparison.Ordinal) ? e.Message : type + "." + e.Message);
        }
    }
}
