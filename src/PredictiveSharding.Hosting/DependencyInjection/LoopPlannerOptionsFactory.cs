using Microsoft.Extensions.Options;
using PredictiveSharding.Hosting.ControlLoop;
using PredictiveSharding.Planning;

namespace PredictiveSharding.Hosting.DependencyInjection;

/// <summary>
/// Makes the registered <see cref="GeneticPlannerOptions"/> start from the values that suit the loop's forecasts, before
/// the host's configuration is applied: <see cref="GeneticPlannerOptions.ForBurstBoundForecasts"/> while the loop's
/// forecast guard raises q0.99 to burst bounds (its default), the class defaults otherwise.
/// </summary>
/// <remarks>
/// Why a factory rather than a Configure call: configure actions run in registration order, so one registered by
/// <c>AddPredictiveSharding</c> would overwrite a host's <c>Configure</c> or configuration binding made before it. The
/// factory's instance is what every configure action starts from, so the host's settings win whatever the order, and
/// only what the host does not set comes from the preset.
/// </remarks>
internal sealed class LoopPlannerOptionsFactory(
    IEnumerable<IConfigureOptions<GeneticPlannerOptions>> setups,
    IEnumerable<IPostConfigureOptions<GeneticPlannerOptions>> postConfigures,
    IEnumerable<IValidateOptions<GeneticPlannerOptions>> validations,
    IOptions<ControlLoopOptions> loop)
    : OptionsFactory<GeneticPlannerOptions>(setups, postConfigures, validations)
{
    protected override GeneticPlannerOptions CreateInstance(string name) =>
        loop.Value.ForecastGuard.BoundBursts ? GeneticPlannerOptions.ForBurstBoundForecasts() : new GeneticPlannerOptions();
}
