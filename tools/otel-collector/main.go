// Command otelcol is the OpenTelemetry Collector the real stack runs (tools/real-stack): the
// components of the rendered ConfigMap that can run without Kubernetes or Azure, plus the local
// stand-ins, composed the way the collector builder (ocb) composes a distribution.
package main

import (
	"os"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

// version is the collector release of every go.opentelemetry.io/collector module in go.mod
// (contrib modules: the same number); ensure.sh checks that the binary reports it.
const version = "0.161.0"

func main() {
	info := component.BuildInfo{
		Command:     "otelcol",
		Description: "Panal real-stack OpenTelemetry Collector",
		Version:     version,
	}
	set := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
			},
		},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		// cobra has already printed the error.
		os.Exit(1)
	}
}
