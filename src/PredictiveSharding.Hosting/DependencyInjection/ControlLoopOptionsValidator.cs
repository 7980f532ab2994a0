using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>Runs <see cref="ControlLoopOptions.Validate"/> at start-up, so a bad setting stops the host with its name and value.</summary>
internal sealed class ControlLoopOptionsValidator : IValidateOptions<ControlLoopOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlLoopOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
