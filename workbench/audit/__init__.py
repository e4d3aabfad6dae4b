"""The audit chain: who did what to which member, when, why and with what result. Below every
package that reads member data, so all of them write to it the same way."""
